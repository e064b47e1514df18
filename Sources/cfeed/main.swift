import CFeedCommands
CFeed.main()
