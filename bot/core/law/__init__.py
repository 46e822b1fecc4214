"""Law texts: articles, the library that holds them, citations and residents' article queries.

Pure: the Markdown comes in as a string (``bot.storage.law_files`` reads the files).
"""

from bot.core.law.articles import LawArticle, LawText, parse_law_markdown, render_article
from bot.core.law.citations import DEFAULT_LAW, Citation, parse_article_query, parse_citation
from bot.core.law.library import LawLibrary
from bot.core.law.numerals import chinese_to_int, int_to_chinese
from bot.core.law.split import split_for_messages

__all__ = [
    "DEFAULT_LAW",
    "Citation",
    "LawArticle",
    "LawLibrary",
    "LawText",
    "chinese_to_int",
    "int_to_chinese",
    "parse_article_query",
    "parse_citation",
    "parse_law_markdown",
    "render_article",
    "split_for_messages",
]
