#!/usr/bin/env python3
"""The tutorial's own Keras script (Keras 3, on its torch backend by default: `pip install
keras torch`; `KERAS_BACKEND=tensorflow` with `pip install tensorflow-cpu`), run for the
training seeds given on the command line; prints per seed the test accuracy of
scikit-learn's LogisticRegression on the bottleneck features and its iterations.
Reference for BENCHMARKS.md's accuracy table (issue 14); not run by CI.

    python3 scripts/keras_tutorial.py 1 2 3 4 5
"""
import os, sys
os.environ.setdefault("KERAS_BACKEND", "torch")
import numpy as np, keras
from keras.models import Model
from keras.layers import Input, Dense, LeakyReLU, BatchNormalization
from sklearn.datasets import make_classification
from sklearn.preprocessing import MinMaxScaler
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
if keras.backend.backend() == "torch":
    import torch
    torch.set_num_threads(1)
X, y = make_classification(n_samples=1000, n_features=100, n_informative=10, n_redundant=90, random_state=1)
n_inputs = X.shape[1]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.33, random_state=1)
t = MinMaxScaler(); t.fit(X_train); X_train = t.transform(X_train); X_test = t.transform(X_test)
for seed in [int(a) for a in sys.argv[1:]]:
    keras.utils.set_random_seed(seed)
    visible = Input(shape=(n_inputs,))
    e = Dense(n_inputs*2)(visible); e = BatchNormalization()(e); e = LeakyReLU()(e)
    e = Dense(n_inputs)(e); e = BatchNormalization()(e); e = LeakyReLU()(e)
    bottleneck = Dense(round(float(n_inputs) / 2.0))(e)
    d = Dense(n_inputs)(bottleneck); d = BatchNormalization()(d); d = LeakyReLU()(d)
    d = Dense(n_inputs*2)(d); d = BatchNormalization()(d); d = LeakyReLU()(d)
    output = Dense(n_inputs, activation='linear')(d)
    model = Model(inputs=visible, outputs=output)
    model.compile(optimizer='adam', loss='mse')
    model.fit(X_train, X_train, epochs=200, batch_size=16, verbose=0, validation_data=(X_test, X_test))
    encoder = Model(inputs=visible, outputs=bottleneck)
    Xtr = encoder.predict(X_train, verbose=0); Xte = encoder.predict(X_test, verbose=0)
    m = LogisticRegression().fit(Xtr, y_train)
    print(seed, round(m.score(Xte, y_test), 4), m.n_iter_, flush=True)
