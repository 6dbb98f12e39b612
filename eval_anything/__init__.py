"""eval-anything: evaluate all-modality models. Heavy libraries are imported lazily."""

__version__ = "0.1.0"


def evaluate(model, tasks=("all",), **options):
    """Run an evaluation from Python; see `eval_anything.runner.evaluate`."""
    from eval_anything.runner import evaluate as _evaluate

    return _evaluate(model, tasks, **options)


__all__ = ["evaluate", "__version__"]
