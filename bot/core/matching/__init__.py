"""FAQ matching: lexicon, normalisation and the matcher (pure; no I/O)."""

from bot.core.matching.lexicon import Lexicon, SynonymGroup, UserWord
from bot.core.matching.matcher import Action, Candidate, Matcher, MatchResult, Thresholds

__all__ = [
    "Action",
    "Candidate",
    "Lexicon",
    "MatchResult",
    "Matcher",
    "SynonymGroup",
    "Thresholds",
    "UserWord",
]
