"""What learns: the default model set, tabular encoders, Keras wrappers and networks, text encoders."""

from .default_models import default_models
from .fine_tuning import FineTunedEncoderClassifier
from .keras_estimators import KerasClassifier, KerasRegressor, import_keras
from .keras_networks import build_mlp
from .sentence_embeddings import SentenceEmbedder
from .tabular import PerTarget, TabularEncoder, TabularFeatures

__all__ = ["default_models", "FineTunedEncoderClassifier", "KerasClassifier", "KerasRegressor", "import_keras",
           "build_mlp", "SentenceEmbedder", "PerTarget", "TabularEncoder", "TabularFeatures"]
