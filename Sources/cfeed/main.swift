import CFeedCommands

CFeed.main()
