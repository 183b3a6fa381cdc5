"""A tiny training step: fits a classifier on the iris data set shipped with scikit-learn."""
import os

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression


def main() -> None:
    features, labels = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(features, labels)
    print(f"{os.environ.get('MODEL_NAME', 'model')}: training accuracy {model.score(features, labels):.2f}")


if __name__ == "__main__":
    main()
