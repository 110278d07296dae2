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
KEYWORD_MARK = "kw"  # "kw <keyword> | <tweet>", so the keyword's words stay recognisable as such

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # mostly mis-decoded bytes such as '\x89Û_'
_SPACES = re.compile(r"\s+")


def clean_tweet(text: str) -> str:
    """Normalise one tweet so that the same word is spelled the same way everywhere."""
    text = html.unescape(str(text))
    text = _URL.sub(" xurl ", text)
    text = _MENTION.sub(" xuser ", text)
    text = _NON_ASCII.sub(" ", text)
    return _SPACES.sub(" ", text).strip().lower()


def readable_tweet(text: str) -> str:
    """The tweet as a reader sees it: entities decoded; links, mentions and broken bytes removed."""
    text = html.unescape(str(text))
    text = _NON_ASCII.sub(" ", _MENTION.sub(" ", _URL.sub(" ", text)))
    return _SPACES.sub(" ", text).strip()


def clean_keyword(keyword) -> str:
    """Keywords are URL-encoded ('body%20bags'); a missing one becomes 'none'."""
    return "none" if pd.isna(keyword) else unquote(str(keyword)).lower()


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    keyword = frame["keyword"].map(clean_keyword)
    text = frame["text"].map(clean_tweet)
    sentence = frame["keyword"].map(lambda k: "" if pd.isna(k) else unquote(str(k)) + ": ")
    sentence += frame["text"].map(readable_tweet)
    return pd.DataFrame({TEXT: KEYWORD_MARK + " " + keyword + " | " + text, SENTENCE: sentence},
                        index=frame.index).astype(object)


def make_features(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _features(train), _features(test)
