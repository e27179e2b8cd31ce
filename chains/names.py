"""The run names the chains give their steps. Callbacks and metrics find a step by these
constants, never by a string typed twice."""

CHAT = "BookChat"
CONDENSE = "CondenseQuestion"
HEURISTIC_CONDENSE = "HeuristicCondense"
RETRIEVE = "Retrieve"
ANSWER = "Answer"
ANSWER_PROMPT = "AnswerPrompt"
ANSWER_MODEL = "ChatModel"
ANSWER_PARSER = "AnswerParser"
SEARCH = "BookSearch"
