"""Reference cases for lesson 06's visible tests: fixed inputs, outputs computed by the solution's own
functions when `python -m autograder build` runs (see autograder/fixtures.py). Tokens are stored as
NumPy string arrays."""
import numpy as np

SEED = 6


def cases(solution, rng):
    text = "Don't STOP!<br />ÉCLAIR, Über-cool  e-mail: x.y a\u00a0b\t10/10 :-) [UNK] C++"
    yield "keras_tokens", {"text": np.array(text)}, {"tokens": np.array(solution.keras_tokens(text))}

    # Ties on purpose: several words share a count.
    texts = ["the film the plot", "a film a cast", "the end", "zoo é plot cast", "b a"]
    vocabulary = solution.fit_vocabulary([text.split() for text in texts])
    yield "fit_vocabulary", {"texts": np.array(texts)}, {"vocabulary": np.array(vocabulary)}

    texts = ["good film", "a very good film with a great cast", "", "bad plot and a bad ending"]
    vocabulary = ["", "[UNK]", "a", "good", "film", "bad", "cast"]
    lists = [text.split() for text in texts]
    outputs = {f"{padding}_{truncating}": solution.vectorize(lists, vocabulary, 5, padding=padding, truncating=truncating)
               for padding in ("post", "pre") for truncating in ("post", "pre")}
    yield "vectorize", {"texts": np.array(texts), "vocabulary": np.array(vocabulary)}, outputs

    lengths = rng.integers(5, 400, size=37)
    length, share = solution.choose_sequence_length(lengths, 0.9)
    yield "choose_sequence_length", {"lengths": lengths}, {"length": np.array(length), "truncated_share": np.array(share)}

    text = "这台笔记本电脑的续航时间很长， 性价比高！"
    outputs = {mode: np.array(solution.make_chinese_tokenizer(mode)(text)) for mode in solution.JIEBA_MODES}
    outputs["precise_user"] = np.array(solution.make_chinese_tokenizer("precise", user_words=["续航时间"])(text))
    outputs["precise_stop"] = np.array(solution.make_chinese_tokenizer("precise", stop_words=solution.STOP_WORDS)(text))
    yield "make_chinese_tokenizer", {"text": np.array(text)}, outputs
