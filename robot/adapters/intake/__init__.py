"""Case-system intake: application files from the command line and from the inbox folder."""
