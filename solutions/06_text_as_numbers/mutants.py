"""Plausible wrong implementations of lesson 06's exercises, each of which must lose points, and correct
rewrites, each of which must keep full marks (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant('split on single spaces, making empty "" tokens', "keras_tokens",
           'return [token for token in re.split(r"[ \\t\\n\\r\\v\\f]+", stripped) if token]',
           'return stripped.split(" ")'),
    Mutant("split on every Unicode whitespace (str.split())", "keras_tokens",
           'return [token for token in re.split(r"[ \\t\\n\\r\\v\\f]+", stripped) if token]',
           "return stripped.split()"),
    Mutant("every letter lowercased, not only ASCII", "keras_tokens",
           'lowered = re.sub(r"[A-Z]+", lambda match: match.group().lower(), text)', "lowered = text.lower()"),
    Mutant("punctuation replaced by a space instead of deleted", "keras_tokens",
           'stripped = re.sub(KERAS_PUNCTUATION, "", lowered)', 'stripped = re.sub(KERAS_PUNCTUATION, " ", lowered)'),
    Mutant("vocabulary without the reserved padding entry (index 0 is a word)", "fit_vocabulary",
           "return [PAD_TOKEN, OOV_TOKEN] + words", "return [OOV_TOKEN] + words"),
    Mutant("frequency ties broken alphabetically instead of in reverse order", "fit_vocabulary",
           "words = sorted(counts, key=lambda token: (counts[token], token), reverse=True)",
           "words = sorted(counts, key=lambda token: (-counts[token], token))"),
    Mutant("max_tokens counting words only, not the two reserved entries", "fit_vocabulary",
           "words = words[:max_tokens - 2]", "words = words[:max_tokens]"),
    Mutant("words counted once per text (document frequency)", "fit_vocabulary",
           "counts = Counter(token for tokens in token_lists for token in tokens)",
           "counts = Counter(token for tokens in token_lists for token in set(tokens))"),
    Mutant('the token "[UNK]" kept as a word', "fit_vocabulary",
           "    for reserved in (PAD_TOKEN, OOV_TOKEN):\n        counts.pop(reserved, None)\n", ""),
    Mutant("out-of-vocabulary tokens mapped to 0 instead of 1", "vectorize",
           "ids = [index.get(token, OOV_INDEX) for token in tokens]", "ids = [index.get(token, PAD_INDEX) for token in tokens]"),
    Mutant("pre and post padding swapped", "vectorize",
           'if padding == "post":', 'if padding == "pre":'),
    Mutant("truncation keeps the wrong end", "vectorize",
           'if truncating == "post" else', 'if truncating == "pre" else'),
    Mutant("a float matrix", "vectorize",
           "PAD_INDEX, dtype=np.int64)", "PAD_INDEX, dtype=np.float64)"),
    Mutant("pre padding by a negative slice, which fails on an empty text", "vectorize",
           "        if not ids:\n            continue\n        if padding == \"post\":\n            row[:len(ids)] = ids\n"
           "        else:\n            row[sequence_length - len(ids):] = ids",
           "        if padding == \"post\":\n            row[:len(ids)] = ids\n        else:\n            row[-len(ids):] = ids"),
    Mutant("vocabulary fitted on the test split", "encode_splits",
           "vocabulary = fit_vocabulary(train_lists, max_tokens)", "vocabulary = fit_vocabulary(test_lists, max_tokens)", demo=True),
    Mutant("vocabulary fitted on train and test together", "encode_splits",
           "vocabulary = fit_vocabulary(train_lists, max_tokens)", "vocabulary = fit_vocabulary(train_lists + test_lists, max_tokens)"),
    Mutant("max_tokens not passed on", "encode_splits",
           "vocabulary = fit_vocabulary(train_lists, max_tokens)", "vocabulary = fit_vocabulary(train_lists)"),
    Mutant("sequence length from np.percentile's interpolation", "choose_sequence_length",
           "length = int(ordered[max(rank, 1) - 1])", "length = int(np.percentile(ordered, 100 * coverage))"),
    Mutant("texts of exactly L tokens counted as cut (>= for >)", "choose_sequence_length",
           "float(np.mean(ordered > length))", "float(np.mean(ordered >= length))"),
    Mutant("rank off by one (0-based index taken as 1-based)", "choose_sequence_length",
           "length = int(ordered[max(rank, 1) - 1])", "length = int(ordered[min(rank, len(ordered) - 1)])"),
    Mutant("rank without a tolerance for the float error of q * N", "choose_sequence_length",
           "rank = int(np.ceil(coverage * len(ordered) - 1e-9))", "rank = int(np.ceil(coverage * len(ordered)))"),
    Mutant("sequence length by np.quantile's inverted CDF, which rounds q * N up", "choose_sequence_length",
           "    rank = int(np.ceil(coverage * len(ordered) - 1e-9))  # 1-based; the tolerance absorbs float error in q * N\n"
           "    length = int(ordered[max(rank, 1) - 1])\n",
           "    length = int(np.quantile(ordered, coverage, method=\"inverted_cdf\"))\n"),
    Mutant("OOV rate over distinct words instead of every occurrence", "oov_rate",
           "total = sum(len(tokens) for tokens in token_lists)\n    unknown = sum(token not in known for tokens in token_lists for token in tokens)",
           "distinct = set(token for tokens in token_lists for token in tokens)\n    total = len(distinct)\n    unknown = len(distinct - known)"),
    Mutant("OOV count divided by the number of texts", "oov_rate",
           "return unknown / total if total else 0.0", "return unknown / len(token_lists) if token_lists else 0.0"),
    Mutant("stop words not removed", "make_chinese_tokenizer",
           "if token.strip() and token not in stop]", "if token.strip()]", demo=True),
    Mutant("whitespace tokens kept", "make_chinese_tokenizer",
           "if token.strip() and token not in stop]", "if token not in stop]"),
    Mutant("search mode cut like the full mode", "make_chinese_tokenizer",
           "tokens = segmenter.lcut_for_search(text)", "tokens = segmenter.lcut(text, cut_all=True)"),
    Mutant("user dictionary ignored", "make_chinese_tokenizer",
           "        segmenter.add_word(word)\n", "        pass\n"),
    Mutant("user words added to jieba's global dictionary", "make_chinese_tokenizer",
           "    segmenter = fresh_jieba()\n", "    segmenter = jieba.dt\n"),
]

ALTERNATIVES = [
    Mutant("ASCII lowercasing by a translation table, tokens found by a regular expression", "keras_tokens",
           '    lowered = re.sub(r"[A-Z]+", lambda match: match.group().lower(), text)\n'
           '    stripped = re.sub(KERAS_PUNCTUATION, "", lowered)\n'
           '    return [token for token in re.split(r"[ \\t\\n\\r\\v\\f]+", stripped) if token]',
           '    import string\n'
           '    lowered = text.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))\n'
           '    return re.findall(r"[^ \\t\\n\\r\\v\\f]+", re.sub(KERAS_PUNCTUATION, "", lowered))'),
    Mutant("ties ordered by two stable sorts", "fit_vocabulary",
           "words = sorted(counts, key=lambda token: (counts[token], token), reverse=True)",
           "words = sorted(sorted(counts, reverse=True), key=counts.get, reverse=True)"),
    Mutant("vectorize with keras.utils.pad_sequences", "vectorize",
           "    matrix = np.full((len(token_lists), sequence_length), PAD_INDEX, dtype=np.int64)\n",
           "    ids = [[index.get(token, OOV_INDEX) for token in tokens] for tokens in token_lists]\n"
           "    return keras.utils.pad_sequences(ids, maxlen=sequence_length, dtype=\"int64\", padding=padding,\n"
           "                                     truncating=truncating, value=PAD_INDEX)\n"),
    Mutant("sequence length by scanning the sorted lengths", "choose_sequence_length",
           "    rank = int(np.ceil(coverage * len(ordered) - 1e-9))  # 1-based; the tolerance absorbs float error in q * N\n"
           "    length = int(ordered[max(rank, 1) - 1])\n",
           "    length = int(next(candidate for candidate in ordered if np.mean(ordered <= candidate) >= coverage))\n"),
    Mutant("OOV rate with a Counter", "oov_rate",
           "    total = sum(len(tokens) for tokens in token_lists)\n"
           "    unknown = sum(token not in known for tokens in token_lists for token in tokens)\n",
           "    counts = Counter(token for tokens in token_lists for token in tokens)\n"
           "    total = sum(counts.values())\n"
           "    unknown = sum(count for token, count in counts.items() if token not in known)\n"),
]
