"""The questionnaire: its document format (``document``), showing it to a respondent and
reading the answers (``runtime``), and one class per question type (``types``), each owning
everything that differs between kinds of question."""
