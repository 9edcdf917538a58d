"""Plausible wrong implementations of lesson 07's exercises, each of which must lose points, and correct
rewrites, each of which must keep full marks (see autograder/mutants.py)."""
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
    Mutant("validation size cut down by int() instead of rounded", "split_train_validation",
           "n_val = round(validation_fraction * len(texts))", "n_val = int(validation_fraction * len(texts))"),
    Mutant("validation part taken from the end of the permutation", "split_train_validation",
           "val_rows, train_rows = order[:n_val], order[n_val:]",
           "val_rows, train_rows = order[len(texts) - n_val:], order[:len(texts) - n_val]"),
    Mutant("the split's seed ignored", "split_train_validation",
           "order = np.random.default_rng(seed).permutation(len(texts))", "order = np.random.default_rng().permutation(len(texts))"),
    Mutant("vocabulary adapted on the training reviews before the validation split", "make_datasets",
           "vectorizer.adapt(fit_texts, batch_size=1024)", "vectorizer.adapt(list(train_texts), batch_size=1024)"),
    Mutant("bigrams ignored by make_datasets", "make_datasets",
           "output_sequence_length=sequence_length, ngrams=ngrams)", "output_sequence_length=sequence_length)"),
    Mutant("convolutions chained instead of side by side", "build_cnn",
           'keras.layers.Conv1D(filters, width, activation="relu")(embedded)',
           'keras.layers.Conv1D(filters, width, activation="relu")(feature_maps if pooled else embedded)'),
    Mutant("convolutions without the relu", "build_cnn",
           'keras.layers.Conv1D(filters, width, activation="relu")', "keras.layers.Conv1D(filters, width)"),
    Mutant("convolutions padded to the same length", "build_cnn",
           'keras.layers.Conv1D(filters, width, activation="relu")', 'keras.layers.Conv1D(filters, width, activation="relu", padding="same")'),
    Mutant("output unit without the sigmoid", "build_cnn",
           'outputs = keras.layers.Dense(1, activation="sigmoid")(features)', "outputs = keras.layers.Dense(1)(features)"),
    Mutant("build_cnn's learning rate ignored", "build_cnn",
           "optimizer=keras.optimizers.Adam(learning_rate)", "optimizer=keras.optimizers.Adam()"),
    Mutant("best epoch counted from 0", "train_model",
           'best_epoch = int(np.argmin(history.history["val_loss"])) + 1', 'best_epoch = int(np.argmin(history.history["val_loss"]))'),
    Mutant("best epoch by the highest validation accuracy", "train_model",
           'best_epoch = int(np.argmin(history.history["val_loss"])) + 1',
           'best_epoch = int(np.argmax(history.history["val_accuracy"])) + 1'),
    Mutant("patience fixed at 1", "train_model",
           "patience=patience,", "patience=1,"),
    Mutant("L1 penalty instead of L2 in the TF-IDF baseline", "build_tfidf_model",
           "kernel_regularizer=keras.regularizers.L2(l2)", "kernel_regularizer=keras.regularizers.L1(l2)"),
    Mutant("multi-hot features instead of TF-IDF", "build_tfidf_model",
           'ngrams=2, output_mode="tf_idf"', 'ngrams=2, output_mode="multi_hot"'),
    Mutant("TF-IDF model's learning rate ignored", "build_tfidf_model",
           "optimizer=keras.optimizers.Adam(learning_rate)", 'optimizer="adam"'),
    Mutant("fastText with max pooling", "build_fasttext",
           "keras.layers.GlobalAveragePooling1D(),", "keras.layers.GlobalMaxPooling1D(),"),
    Mutant("Naive Bayes counts: a token counted as often as it occurs", "nb_log_count_ratios",
           "counted = first & (rows != 0)", "counted = rows != 0"),
    Mutant("Naive Bayes counts without the smoothing", "nb_log_count_ratios",
           '    p = alpha + np.bincount(rows[counted & (labels[:, None] == 1)], minlength=vocab_size)\n'
           '    q = alpha + np.bincount(rows[counted & (labels[:, None] == 0)], minlength=vocab_size)\n',
           '    p = np.bincount(rows[counted & (labels[:, None] == 1)], minlength=vocab_size)\n'
           '    q = np.bincount(rows[counted & (labels[:, None] == 0)], minlength=vocab_size)\n'),
    Mutant("log-count ratios of the classes swapped", "nb_log_count_ratios",
           'r = np.log(p / p[1:].sum()) - np.log(q / q[1:].sum())', "r = np.log(q / q[1:].sum()) - np.log(p / p[1:].sum())"),
    Mutant("log-count ratios normalized by the number of reviews", "nb_log_count_ratios",
           'r = np.log(p / p[1:].sum()) - np.log(q / q[1:].sum())', "r = np.log(p / np.sum(labels == 1)) - np.log(q / np.sum(labels == 0))"),
    Mutant("log-count ratios normalized with the padding's count", "nb_log_count_ratios",
           'r = np.log(p / p[1:].sum()) - np.log(q / q[1:].sum())', "r = np.log(p / p.sum()) - np.log(q / q.sum())"),
    Mutant("the padding's ratio left nonzero", "nb_log_count_ratios",
           "    r[0] = 0.0\n", ""),
    Mutant("Naive Bayes counts without minlength", "nb_log_count_ratios",
           '    p = alpha + np.bincount(rows[counted & (labels[:, None] == 1)], minlength=vocab_size)\n'
           '    q = alpha + np.bincount(rows[counted & (labels[:, None] == 0)], minlength=vocab_size)\n',
           '    p = alpha + np.bincount(rows[counted & (labels[:, None] == 1)])\n'
           '    q = alpha + np.bincount(rows[counted & (labels[:, None] == 0)])\n'),
]

ALTERNATIVES = [
    Mutant("split by index arrays with np.take", "split_train_validation",
           "return ([texts[i] for i in train_rows], labels[train_rows]), ([texts[i] for i in val_rows], labels[val_rows])",
           "return (list(np.take(np.array(texts, dtype=object), train_rows)), np.take(labels, train_rows)), \\\n"
           "        (list(np.take(np.array(texts, dtype=object), val_rows)), np.take(labels, val_rows))"),
    Mutant("branches built by a comprehension and keras.layers.concatenate", "build_cnn",
           "    pooled = []\n    for width in filter_widths:\n"
           '        feature_maps = keras.layers.Conv1D(filters, width, activation="relu")(embedded)\n'
           "        pooled.append(keras.layers.GlobalMaxPooling1D()(feature_maps))\n"
           "    features = keras.layers.Concatenate()(pooled)\n",
           '    features = keras.layers.concatenate([keras.layers.GlobalMaxPooling1D()(\n'
           '        keras.layers.Conv1D(filters, width, activation="relu")(embedded)) for width in filter_widths])\n'),
    Mutant("the loss and metric as objects", "build_cnn",
           'loss="binary_crossentropy", metrics=["accuracy"])',
           'loss=keras.losses.BinaryCrossentropy(), metrics=[keras.metrics.BinaryAccuracy(name="accuracy")])'),
    Mutant("best epoch from the callback", "train_model",
           'best_epoch = int(np.argmin(history.history["val_loss"])) + 1', "best_epoch = stopping.best_epoch + 1"),
    Mutant("fastText with the functional API", "build_fasttext",
           "    model = keras.Sequential([\n        keras.Input(shape=(sequence_length,), dtype=\"int32\"),\n"
           "        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True),\n"
           "        keras.layers.GlobalAveragePooling1D(),\n        keras.layers.Dense(1, activation=\"sigmoid\"),\n    ])\n",
           "    tokens = keras.Input(shape=(sequence_length,), dtype=\"int32\")\n"
           "    average = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(tokens))\n"
           "    model = keras.Model(tokens, keras.layers.Dense(1, activation=\"sigmoid\")(average))\n"),
    Mutant("log-count ratios counted review by review with np.unique", "nb_log_count_ratios",
           "    rows, labels = np.sort(np.asarray(rows), axis=1), np.asarray(labels)\n"
           "    first = np.ones(rows.shape, dtype=bool)\n"
           "    first[:, 1:] = rows[:, 1:] != rows[:, :-1]  # each token once per review\n"
           "    counted = first & (rows != 0)  # padding is no token\n"
           '    p = alpha + np.bincount(rows[counted & (labels[:, None] == 1)], minlength=vocab_size)\n'
           '    q = alpha + np.bincount(rows[counted & (labels[:, None] == 0)], minlength=vocab_size)\n',
           "    p, q = np.full(vocab_size, float(alpha)), np.full(vocab_size, float(alpha))\n"
           "    for row, label in zip(np.asarray(rows), np.asarray(labels)):\n"
           "        (p if label == 1 else q)[np.unique(row[row != 0])] += 1\n"),
]
