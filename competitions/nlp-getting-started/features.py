"""Disaster Tweets features: two text columns per tweet.

- ``text`` for the models that learn their own vocabulary (TF-IDF, TextVectorization): HTML
  entities decoded, URLs and @mentions replaced by tokens, broken encodings dropped, lowercased,
  the keyword in front.
- ``sentence`` for the pretrained sentence encoder, which knows English already: the keyword and
  the tweet as a person would read them, without URLs, mentions or broken bytes.

Row-wise work only: nothing is learned from other rows; vocabularies and weights are fitted
inside each model, per fold. The location column is left out: a third of it is missing and the
rest is free text that says little about the tweet.
"""

import html
import re
from urllib.parse import unquote

import pandas as pd

TEXT = "text"
SENTENCE = "sentence"
NO_KEYWORD = "none"
KEYWORD_MARK = "kw"  # "kw <keyword> | <tweet>", so the keyword's words stay recognisable as such

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # mostly mis-decoded bytes such as '\x89Û_'
_SPACES = re.compile(r"\s+")


def _normalise(text: str, url: str, user: str) -> str:
    """HTML entities decoded, links and @mentions replaced, broken bytes dropped, spaces squeezed."""
    text = _MENTION.sub(user, _URL.sub(url, html.unescape(str(text))))
    return _SPACES.sub(" ", _NON_ASCII.sub(" ", text)).strip()


def clean_tweet(text: str) -> str:
    """Normalise one tweet so that the same word is spelled the same way everywhere."""
    return _normalise(text, " xurl ", " xuser ").lower()


def readable_tweet(text: str) -> str:
    """The tweet as a reader sees it: entities decoded; links, mentions and broken bytes removed."""
    return _normalise(text, " ", " ")


def clean_keyword(keyword) -> str:
    """Keywords are URL-encoded ('body%20bags'); a missing one becomes 'none'."""
    return NO_KEYWORD if pd.isna(keyword) else unquote(str(keyword)).lower()


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    keyword = frame["keyword"].map(clean_keyword)
    text = KEYWORD_MARK + " " + keyword + " | " + frame["text"].map(clean_tweet)
    sentence = keyword.map(lambda k: "" if k == NO_KEYWORD else k + ": ") + frame["text"].map(readable_tweet)
    return pd.DataFrame({TEXT: text, SENTENCE: sentence}, index=frame.index).astype(object)


def make_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _features(train), _features(test)
