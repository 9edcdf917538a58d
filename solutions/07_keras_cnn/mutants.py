"""Plausible wrong implementations of lesson 07's exercises; each must lose points (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant("labels shuffled apart from the reviews in the split", "split_train_validation",
           "return ([texts[i] for i in train_rows], labels[train_rows]), ([texts[i] for i in val_rows], labels[val_rows])",
           "return ([texts[i] for i in train_rows], labels[n_val:]), ([texts[i] for i in val_rows], labels[:n_val])"),
    Mutant("vocabulary fitted on the test reviews", "make_datasets",
           "vectorizer.adapt(fit_texts, batch_size=1024)", "vectorizer.adapt(list(test_texts), batch_size=1024)"),
    Mutant("validation set taken from the test reviews", "make_datasets",
           "split_train_validation(train_texts, train_labels, validation_fraction, seed)",
           "split_train_validation(train_texts, train_labels, 0.0, seed)\n"
           "    (test_texts, test_labels), (val_texts, y_val) = split_train_validation(test_texts, test_labels, validation_fraction, seed)"),
    Mutant("sigmoid output with the categorical cross-entropy", "build_cnn",
           'loss="binary_crossentropy"', 'loss="categorical_crossentropy"', demo=True),
    Mutant("a single filter width instead of several", "build_cnn",
           "keras.layers.Conv1D(filters, width,", "keras.layers.Conv1D(filters, filter_widths[0],"),
    Mutant("global average pooling instead of max pooling", "build_cnn",
           "keras.layers.GlobalMaxPooling1D()", "keras.layers.GlobalAveragePooling1D()", demo=True),
    Mutant("dropout missing", "build_cnn",
           "    features = keras.layers.Dropout(dropout)(features)\n", ""),
    Mutant("dropout applied to the output", "build_cnn",
           "    features = keras.layers.Dropout(dropout)(features)\n"
           "    outputs = keras.layers.Dense(1, activation=\"sigmoid\")(features)",
           "    outputs = keras.layers.Dropout(dropout)(keras.layers.Dense(1, activation=\"sigmoid\")(features))"),
    Mutant("early stopping without restoring the best weights", "train_model",
           "restore_best_weights=True", "restore_best_weights=False"),
    Mutant("early stopping watching the training loss", "train_model",
           'monitor="val_loss"', 'monitor="loss"'),
    Mutant("bigrams missing from the TF-IDF baseline", "build_tfidf_model",
           'max_tokens=max_tokens, ngrams=2, output_mode="tf_idf"', 'max_tokens=max_tokens, output_mode="tf_idf"'),
    Mutant("fastText average taken over the padding too", "build_fasttext",
           "embedding_dim, mask_zero=True)", "embedding_dim)"),
]
