"""知识库 (knowledge base): answer a 咨询 on the spot (即时办结) when a stored article fits.

Articles are (question, answer) pairs: a policy Q&A written by a unit, or a past appeal
with the reply the department gave. A new message is compared with every stored question
by TF-IDF cosine similarity over character 1-2-grams and jieba words (half weight each);
the best article is offered only when its score reaches ``min_score``, so an operator is
never shown an answer to a different question. Database-free: the Django layer builds a
knowledge base from its published articles and keeps it in memory.

Examples:
    >>> kb = KnowledgeBase.from_pairs([
    ...     ("新办企业怎样申领发票？", "登录电子税务局，在“发票使用”中申领。"),
    ...     ("企业职工养老保险怎么缴费？", "由单位在社保经办机构代扣代缴。"),
    ... ])
    >>> kb.best("新办企业申领发票的流程是什么").answer
    '登录电子税务局，在“发票使用”中申领。'
    >>> kb.best("小区路灯坏了没人修") is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from qinqing.core.errors import InvalidInput

# Measured on ../shared/data/appeals/replies.csv (2,800 real messages, 300 titles as
# queries): 80% find their own message above 0.3, 4.7% a wrong one (mostly near-duplicate
# messages); unrelated demo questions stay below about 0.2 (docs/dev/router.md).
DEFAULT_MIN_SCORE = 0.3

# How people ask, not what they ask about: removed before comparing so that "需要什么材料"
# alone does not make two unrelated questions look alike (a small knowledge base has too
# few articles for IDF to learn this). Phrases leave the text; single characters only leave
# the word list, since inside a word (要求, 目的) they carry meaning.
ASKING_PHRASES = (
    "尊敬的领导",
    "领导",
    "您好",
    "你好",
    "请问",
    "咨询",
    "我想",
    "想问",
    "问一下",
    "一下",
    "谢谢",
    "麻烦",
    "需要",
    "什么",
    "哪些",
    "哪里",
    "哪个",
    "如何",
    "怎么样",
    "怎么",
    "怎样",
    "多长时间",
    "多久",
    "几天",
    "可以",
    "能否",
    "能不能",
    "是否",
    "有没有",
    "我们",
    "办理",
)
ASKING_WORDS = frozenset(ASKING_PHRASES) | set("吗呢吧啊了的我要")
_PUNCTUATION = re.compile(r"[\s\W_]+")
_ASKING_TEXT = re.compile("|".join(sorted(ASKING_PHRASES, key=len, reverse=True)) + r"|[\s\W_]+")


@dataclass(frozen=True)
class KnowledgeMatch:
    """A stored article that fits a message; ``score`` is the cosine similarity in [0, 1]."""

    question: str
    answer: str
    score: float
    index: int


class KnowledgeBase:
    """Questions and answers indexed for similarity search; build with :meth:`from_pairs`."""

    def __init__(self, questions: list[str], answers: list[str], vectorizers, matrix) -> None:
        self.questions = questions
        self.answers = answers
        self._vectorizers = vectorizers
        self._matrix = matrix

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> KnowledgeBase:
        """Index ``(question, answer)`` pairs; a blank question or answer is refused."""
        questions, answers = [], []
        for number, (question, answer) in enumerate(pairs, 1):
            if not (question or "").strip():
                raise InvalidInput(f"知识库第 {number} 条的问题为空，请填写问题或删除该条。")
            if not (answer or "").strip():
                raise InvalidInput(
                    f"知识库第 {number} 条（问题：{question.strip()[:20]}）的答复为空，请填写答复或删除该条。"
                )
            questions.append(question.strip())
            answers.append(answer.strip())
        if not questions:
            return cls([], [], None, None)
        from sklearn.feature_extraction.text import TfidfVectorizer

        from qinqing.appeals.routing.text import split_words

        vectorizers = (
            TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer=split_words, sublinear_tf=True),
        )
        texts = _prepare(questions)
        matrix = _combine(v.fit_transform(t) for v, t in zip(vectorizers, texts, strict=True))
        return cls(questions, answers, vectorizers, matrix)

    def __len__(self) -> int:
        return len(self.questions)

    def search(self, text: str, k: int = 5) -> list[KnowledgeMatch]:
        """The ``k`` most similar articles, best first, whatever their score."""
        if not self.questions or not (text or "").strip():
            return []
        texts = _prepare([text])
        query = _combine(v.transform(t) for v, t in zip(self._vectorizers, texts, strict=True))
        scores = np.asarray((self._matrix @ query.T).todense()).ravel()
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            KnowledgeMatch(self.questions[i], self.answers[i], float(min(1.0, scores[i])), int(i))
            for i in order
        ]

    def best(self, text: str, min_score: float = DEFAULT_MIN_SCORE) -> KnowledgeMatch | None:
        """The best article if its score reaches ``min_score``, else ``None``."""
        found = self.search(text, k=1)
        if found and found[0].score >= min_score and found[0].score > 0:
            return found[0]
        return None


def _prepare(texts: list[str]) -> tuple[list[str], list[str]]:
    from qinqing.appeals.routing.text import joined_words, normalize_text

    normalized = [normalize_text(text) for text in texts]
    words = [
        " ".join(
            w for w in joined.split(" ") if w not in ASKING_WORDS and not _PUNCTUATION.fullmatch(w)
        )
        for joined in joined_words(normalized)
    ]
    return [_ASKING_TEXT.sub(" ", text) for text in normalized], words


def _combine(blocks):
    """Half-and-half concatenation of unit-length blocks, renormalised to unit length."""
    from scipy import sparse
    from sklearn.preprocessing import normalize

    return normalize(sparse.hstack(list(blocks), format="csr"))
