"""Code of Part I (《大模型创业潮：互联网大厂高管纷纷入局AI》) used by one chapter each.

* :mod:`book.part1.mlp` — the NumPy two-layer perceptron of ``02_training_loop``;
* :mod:`book.part1.optim` — from-scratch optimisers and the Rosenbrock function of ``03_math``;
* :mod:`book.part1.classify` — ROC/AUC, confusion counts and the Keras/PyTorch twin of ``04_project``;
* :mod:`book.part1.apps` — documented data generators and the lag matrix of ``05_applications``.

Code shared with other parts stays at the top level: :mod:`book.scaling`,
:mod:`book.train`, :mod:`book.data`.
"""
