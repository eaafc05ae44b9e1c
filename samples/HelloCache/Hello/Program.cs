System.Console.WriteLine(Greeting.Greeter.Greet(args.Length > 0 ? args[0] : "world"));
