"""Models and their training: RBMs, DBMs, DBNs, feed-forward nets, AlexNet, ensembles."""
