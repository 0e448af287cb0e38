if (args.Length > 0 && args[0] == "ceiling") { Ceiling.Run(); return; }
