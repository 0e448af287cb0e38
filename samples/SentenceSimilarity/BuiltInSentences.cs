namespace SentenceSimilarity;

/// <summary>The sentences the sample encodes when none are given on the command line.</summary>
internal static class BuiltInSentences
{
    /// <summary>Six sentences, two pairs of near-paraphrases: the default similarity demo.</summary>
    public static IReadOnlyList<string> Default { get; } =
    [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The new movie is awesome.",
        "A man is riding a white horse on an enclosed ground.",
        "The cat sits outside.",
        "Two men pushed carts through the woods.",
    ];

    /// <summary>
    /// 32 sentences of 5 to 40 tokens ([CLS] and [SEP] included) for <c>--batch 32</c>: a throughput batch padded to
    /// 40 with every amount of padding in between, as a real batch of mixed sentences has.
    /// </summary>
    public static IReadOnlyList<string> Batch32 { get; } =
    [
        "Dogs bark.",
        "The sun rises.",
        "A child is reading a book.",
        "Two women are dancing in the rain.",
        "The stock market fell sharply on Monday morning.",
        "A chef slices fresh tomatoes for the evening salad.",
        "Heavy snow closed the mountain pass for three days last week.",
        "The committee approved the new budget after a long and heated debate.",
        "An old fisherman repairs his nets on the quiet harbour wall every single morning.",
        "Scientists discovered a new species of frog living high in the cloud forests of Peru.",
        "The train to the airport was delayed by forty minutes this morning because of a signal failure near the central station, so many passengers missed their flights.",
        "She learned to play the violin as a small child, and now, twenty years later, she performs with the city orchestra at every open-air concert in the summer.",
        "After months of careful planning and fundraising, the volunteers finally opened a small public library in the old village school.",
        "The museum's new exhibition brings together paintings, letters, sketches and photographs from the many artists who lived and worked together in Paris and Berlin between the two great world wars.",
        "Kittens sleep.",
        "A man plays guitar.",
        "The bridge was painted bright red.",
        "Please remember to water the plants while I am away on holiday.",
        "Cheap flights are rarely as cheap as they look once the baggage fees are added.",
        "The runner crossed the finish line just seconds before the storm broke over the stadium.",
        "Our neighbours adopted a rescue dog that is afraid of bicycles, umbrellas and loud music.",
        "Researchers measured how quickly the glaciers in Greenland are melting, combining data from satellites, aircraft and ground stations over ten years.",
        "If you heat pure water to one hundred degrees Celsius at sea level, it will begin to boil and slowly turn into steam.",
        "The startup's founders argued for hours about whether to spend their remaining money on marketing, on new servers, or on hiring another experienced engineer before the summer.",
        "A quiet lake.",
        "Rain is expected tomorrow.",
        "He forgot his keys again.",
        "The library closes early on Sundays during the summer months.",
        "Farmers in the valley grow apples, pears and plums, and sell them at the weekend market in town.",
        "The old lighthouse keeper wrote a diary entry every night for forty years, describing the weather, the passing ships, the birds he saw and the visitors who climbed the spiral stairs to the top.",
        "Thousands of people gathered in the square to watch the fireworks that marked the end of the festival.",
        "Despite the heavy traffic, the ambulance reached the hospital in under ten minutes.",
    ];
}
