"""The English the pronoun stage knows: closed word classes, gendered nouns, and what a word
can be (noun, adjective, verb form), from lemminflect's answers generated into a word table
(builder.lexicon: shipped with the package, read in a millisecond, nothing downloaded)."""

from __future__ import annotations

import functools

from builder import lexicon
from builder.pronouns import IRREGULAR


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The reader's pronouns as a story may write them, by the set it was written with.
PRONOUNS: dict[str, dict[str, str]] = {
    "she": {"she": "subj", "her": "obj/det", "hers": "pos", "herself": "refl"},
    "he": {"he": "subj", "him": "obj", "his": "det/pos", "himself": "refl"},
}
OTHER_SET = {"she": "he", "he": "she"}

# Words after which `her` is an object (`gave her the ring`, `told her to`, `sat with her
# in`), never a determiner: articles, pronouns, prepositions, conjunctions, particles.
CLOSED = _words(
    """a an the this that these those some any every each no my your his her its our their
    i you he she it we they me him us them what which who whom whose
    to of in on at by for from with without into onto over under up down off out away back
    about around through across along past behind beside near toward towards after before
    and or but nor so yet if as than because while when where until though although
    again too now then here there just once still also even already ever never not
    is was are were be been has had have do does did will would can could should might
    must"""
)
ADVERBS = _words(
    """never always still already just even also only really not often barely finally simply
    suddenly quickly slowly almost rarely usually sometimes actually probably certainly
    quietly softly immediately instantly clearly nearly hardly"""
)
# Verbs after which `her` + a bare verb is an object (`made her cry`, `saw her leave`).
CAUSATIVE = _words(
    """make makes made making let lets letting watch watches watched watching see sees saw
    seeing hear hears heard hearing help helps helped helping have has had feel felt bid
    notice noticed"""
)
BE = frozenset({"is", "was", "'s", "’s", "are", "were", "'re", "’re", "am"})
QUESTION_BEFORE = frozenset({"what", "where", "why", "how", "when", "who", "and", "but", "so"})
# Words that open a clause: conjunctions, subordinators, relative pronouns (`the patient who
# had proposed to him`: `him` is not the patient).
CLAUSE_WORDS = _words(
    """and but or while when as because then so until unless though although whether that
    who which whom whose if since before after how"""
)
DETERMINERS = _words("a an the this that my your his her its our their")
LOCATIVES = _words("beside behind near around beneath underneath under above below")
"""Prepositions of place, after which a pronoun may be the clause's subject itself."""
TOUCHING = _words(
    """take takes took taking grab grabs grabbed grabbing seize seizes seized squeeze squeezes
    squeezed squeezing clasp clasps clasped slap slaps slapped kiss kisses kissed kissing
    shake shakes shook shaking catch catches caught"""
)
"""Verbs of touching that a person does to someone else's hand (`took her hand`)."""
PERCEIVING = _words(
    """see sees saw seen seeing hear hears heard hearing feel feels felt feeling watch watches
    watched watching notice notices noticed noticing"""
)
"""Verbs of perceiving: what the reader perceives may be someone else's (`heard her voice`)."""
TAKEN_BACK = _words("away back out off from")
"""After `took her hand`: one's own hand, withdrawn (`took her hand away`)."""
BODY_PARTS = _words("hand hands wrist wrists arm fingers cheek shoulder")
NOT_SUBJECTS = _words("her him his hers herself himself")
"""The reader's pronouns that are never a subject (`her hands`: `hands` is no verb here)."""
SUBORDINATORS = _words(
    """that which who whom whose because if when while although though since until unless
    whether before after as how"""
)
SUBJECTS = _words("""i you we they i'm you're we're they're i've you've we've they've who which""")
"""Subject pronouns outside the reader's set (the other set's are added where it is known)."""
HAS_PARTICIPLES = frozenset({"been", "had", "got", "gotten"})

# Nouns that name a person of one gender (another character when not the reader's).
GENDERED_NOUNS: dict[str, frozenset[str]] = {
    "she": _words(
        """woman girl lady mother mum mom mama mommy grandmother grandma gran nan nana nonna
        aunt auntie sister daughter niece wife girlfriend bride queen princess waitress
        actress hostess widow nun madam duchess mistress"""
    ),
    "he": _words(
        """man boy gentleman father dad daddy papa grandfather grandpa granddad uncle brother
        son nephew husband boyfriend groom king prince waiter actor host widower monk
        duke"""
    ),
}
TITLES = {
    **dict.fromkeys(("madame", "mrs", "miss", "ms", "lady", "aunt", "auntie"), "she"),
    **dict.fromkeys(("mr", "sir", "lord", "uncle", "mister"), "he"),
}
SPEECH = _words(
    """said says asked asks called calls replied replies whispered whispers told tells
    answered answers muttered mutters added adds demanded demands snapped snaps"""
)
SPEECH_BASE = _words("say ask call reply whisper tell answer mutter add demand snap")
"""What `you` or `I` do in a tag (`you say`): SPEECH has the third person's forms."""
CALLING = _words("call calls called calling")
ADDRESSES = frozenset({"princess", "girl", "boy", "prince", "lady", "queen", "miss"})
NOT_FEMININE = _words(
    """dress address press success process access mess less guess stress chess bless excess
    progress express confess possess fortress mattress distress recess business"""
)
HONORIFICS = frozenset({"miss", "mrs", "ms", "mister", "mr"})
VOCATIVES = frozenset({"ma'am", "sir", "miss", "madam"})
TERMS_OF_ENDEARMENT = frozenset({"good", "sweet", "pretty", "clever", "brave", "best", "lovely"})
ROMANTIC = frozenset({"girlfriend", "boyfriend", "wife", "husband", "girl", "boy"})
POSSESSIVE = frozenset({"my", "his", "her", "somebody's", "someone's"})
NOT_NAMES = _words(
    """I I'm I'd I'll I've Mr Mrs Ms Miss Mister Dr Mum Mom Dad God Oh Ok Okay Yes No
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December The A An You Your He She It
    We They My His Her Its Our Their Me Him Us Them"""
)


def getAllLemmas(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's lemmas of `word` by part of speech, from builder.lexicon's table (read on
    first use, so that a story without reader pronouns never pays for it)."""
    return lexicon.lemmas(word)


def getInflection(lemma: str, tag: str) -> tuple[str, ...]:
    """lemminflect's form `tag` of `lemma`, from builder.lexicon's table."""
    return lexicon.inflection(lemma, tag)


@functools.lru_cache(maxsize=8192)
def kinds(word: str) -> frozenset[str]:
    """What `word` can be: NOUN, VERB, ADJ, ADV... (empty when lemminflect does not know it)."""
    return frozenset(getAllLemmas(word.lower()))


@functools.lru_cache(maxsize=8192)
def plural_verb(word: str) -> str | None:
    """`walks` -> `walk`, `tries` -> `try`, `is` -> `are`: the verb as `they` would say it, or
    None when `word` is not a third-person singular present verb."""
    lower = word.lower().replace("’", "'")
    if lower in IRREGULAR:
        return IRREGULAR[lower]
    if not lower.endswith("s"):
        return None
    for lemma in getAllLemmas(lower).get("VERB", ()):
        if lemma != lower and getInflection(lemma, "VBZ") == (lower,):
            return str(lemma)
    return None


@functools.lru_cache(maxsize=8192)
def base_verb(word: str) -> bool:
    """`cry`, `leave`: a verb's bare form (after `made her`, `saw her`)."""
    lower = word.lower()
    return lower in getAllLemmas(lower).get("VERB", ())


@functools.lru_cache(maxsize=8192)
def finite_verb(word: str) -> bool:
    """`laughed`, `says`, `was`: a verb form that can follow its subject."""
    lower = word.lower().replace("’", "'")
    if lower in CLOSED and lower not in BE and lower not in {"had", "has", "did", "does"}:
        return lower in {"will", "would", "can", "could", "should", "might", "must"}
    lemmas = getAllLemmas(lower).get("VERB", ())
    return any(
        getInflection(lemma, "VBD") == (lower,) or getInflection(lemma, "VBZ") == (lower,)
        for lemma in lemmas
    ) or lower in BE | {"had", "has", "did", "does", "didn't", "doesn't", "wasn't", "isn't"}


@functools.lru_cache(maxsize=8192)
def adverb_only(word: str) -> bool:
    """`first`, `again`, `alone`: an adverb that is no noun of its own (`thanked her first`), or an
    ordinal that is one only as an adverb after an object."""
    found = kinds(word)
    return "ADV" in found and ("NOUN" not in found or word.lower() in ORDINAL_ADVERBS)


@functools.lru_cache(maxsize=8192)
def complement(word: str, verb: str) -> bool:
    """`safe` in `keep her safe`: an adjective saying what the object is or becomes; one that
    is also a noun only after a verb that takes such a complement."""
    found = kinds(word)
    return "ADJ" in found and ("NOUN" not in found or verb in COMPLEMENT_VERBS)


COMPLEMENT_VERBS = _words(
    """keep keeps kept keeping make makes made making leave leaves left leaving find finds
    found finding hold holds held holding drive drives drove driving want wants wanted"""
)
ORDINAL_ADVERBS = frozenset({"first", "last", "once", "now", "better", "more", "less"})


def has_contraction(after: str) -> bool:
    """Whether `'s` before `after` (an adverb already skipped) is `has` (`she's gone`) rather
    than `is` (`she's soaked`, `she's smiling`)."""
    lower = after.lower()
    if lower in HAS_PARTICIPLES:
        return True
    for lemma in getAllLemmas(lower).get("VERB", ()):
        participle = getInflection(lemma, "VBN")
        if participle == (lower,) and getInflection(lemma, "VBD") != (lower,):
            return True
    return False


def feminine_noun(word: str) -> bool:
    """`waitress`, `headmistress`: a noun with the feminine suffix -ess."""
    return (
        word.endswith("ess")
        and not word.endswith("ness")
        and not any(word.endswith(plain) for plain in NOT_FEMININE)
        and "NOUN" in kinds(word)
    )


@functools.lru_cache(maxsize=8192)
def gendered_noun(word: str, written: str) -> bool:
    """`mother`, `waitress`, and compounds whose head is one (`stepmother`, `headmistress`,
    `policewoman`; `woman` itself is no `man`): a person of the pronouns `written`."""

    def plain(noun: str) -> bool:
        return noun in GENDERED_NOUNS[written] or (written == "she" and feminine_noun(noun))

    if plain(word):
        return True
    return any(
        plain(word[cut:]) and len(word[:cut]) >= 3 and bool(kinds(word[:cut]))
        for cut in range(3, len(word) - 2)
    )
