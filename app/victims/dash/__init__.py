"""DASH risk assessments as a history: the 27 questions' answers, the band, the grade and the MARAC rules."""
