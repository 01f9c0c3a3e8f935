"""Prepare a trained model for sharing: its model file and its model card.

:func:`save_publishable` writes ``publish_dir/model.pth`` (atomically) and
``publish_dir/README.md``, a model card in the Hugging Face format (YAML front
matter, then the description, the recipe, the training configuration, the
results and the licences). Sending them to Zenodo or to the Hugging Face hub is
the job of :mod:`asteroid.models.hub_upload` (``asteroid-upload``).
"""

import os

from .model_file import save_model_file

__all__ = ["save_publishable", "make_model_card"]

PLEASE_PUBLISH = (
    "\nShare your pretrained model with the community: run\n"
    '`asteroid-upload {} --uploader "Your name here"`\n'
)


def save_publishable(publish_dir, model_dict, metrics=None, train_conf=None, recipe=None):
    """Write a model file and its model card, ready to be uploaded.

    Adds ``recipe_name``, ``training_config`` and ``final_metrics`` to
    ``model_dict["infos"]``, then writes ``publish_dir/model.pth`` and
    ``publish_dir/README.md``.

    Args:
        publish_dir (str): the folder to write in (created if needed), usually
            ``exp/<tag>/publish_dir``.
        model_dict (dict): a serialized model (:meth:`BaseModel.serialize`) with
            the recipe's ``dataset`` and ``licenses`` added.
        metrics (dict): the evaluation results (metric name -> value).
        train_conf (dict, optional): the training configuration (``conf.yml``).
        recipe (str, optional): the recipe's name. By default, the first line of
            ``publish_dir/recipe_name.txt``, or ``"Unknown"``.

    Returns:
        dict: ``model_dict``, with the added ``infos``.

    Raises:
        ValueError: if ``model_dict`` lacks ``model_args``, ``state_dict``,
            ``dataset`` or ``licenses``, or ``metrics`` is not a dict.
    """
    missing = [
        k for k in ("model_args", "state_dict", "dataset", "licenses") if k not in model_dict
    ]
    if missing:
        raise ValueError(
            f"A publishable model dict needs the keys model_args, state_dict, dataset and "
            f"licenses; missing {missing}."
        )
    if not isinstance(metrics, dict):
        raise ValueError(
            f"A model is published with its evaluation metrics (a dict), got {metrics!r}."
        )
    if recipe is not None:
        if not isinstance(recipe, str):
            raise ValueError(f"recipe must be a string, got {type(recipe).__name__}.")
        recipe_name = recipe
    else:
        recipe_name = _recipe_name_from_file(publish_dir)

    infos = model_dict.setdefault("infos", {})
    infos["recipe_name"] = recipe_name
    infos["training_config"] = train_conf
    infos["final_metrics"] = metrics

    os.makedirs(publish_dir, exist_ok=True)
    save_model_file(model_dict, os.path.join(publish_dir, "model.pth"))
    _write_text_atomically(os.path.join(publish_dir, "README.md"), make_model_card(model_dict))
    print(PLEASE_PUBLISH.format(publish_dir))
    return model_dict


def make_model_card(model_dict):
    """The model card (Markdown with YAML front matter) of a publishable model dict.

    Args:
        model_dict (dict): as given to :func:`save_publishable`, with its ``infos``.

    Returns:
        str: the card's text.
    """
    import yaml

    infos = model_dict.get("infos", {})
    name = model_dict.get("model_name", "Unknown model")
    dataset = model_dict.get("dataset", "Unknown")
    task = model_dict.get("task", model_dict.get("task_dataset", "Unknown"))
    recipe = infos.get("recipe_name", "Unknown")
    front_matter = {
        "library_name": "asteroid",
        "tags": ["asteroid", "audio", name, "audio-to-audio"],
        "datasets": [str(dataset)],
        "license": "cc-by-sa-3.0",
    }
    lines = [
        "---",
        yaml.safe_dump(front_matter, sort_keys=False).strip(),
        "---",
        "",
        f"# {name} trained on {dataset} ({task})",
        "",
        f"Trained with the asteroid recipe `{recipe}`.",
        "",
        "```python",
        "from asteroid.models import BaseModel",
        "",
        'model = BaseModel.from_pretrained("<this repository or model file>")',
        "```",
        "",
        "## Training configuration",
        "",
    ]
    train_conf = infos.get("training_config")
    if train_conf:
        lines += ["```yaml", yaml.safe_dump(_plain(train_conf), sort_keys=False).strip(), "```"]
    else:
        lines.append("Not given.")
    lines += ["", "## Results", ""]
    metrics = infos.get("final_metrics") or {}
    if metrics:
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {key} | {_format_value(_plain(value))} |" for key, value in metrics.items()]
    else:
        lines.append("Not given.")
    lines += ["", "## Model arguments", "", "```yaml"]
    lines += [yaml.safe_dump(_plain(model_dict.get("model_args", {})), sort_keys=False).strip()]
    lines += ["```", "", "## Licences", ""]
    licenses = model_dict.get("licenses") or []
    if isinstance(licenses, dict):
        licenses = [licenses]
    for lic in licenses:
        lines.append(
            f"- {lic.get('title', 'Unknown')} ({lic.get('title_link', '')}) by "
            f"{lic.get('author', 'Unknown')}, used under {lic.get('license', 'Unknown')} "
            f"({lic.get('license_link', '')})"
            + (", for research only" if lic.get("non_commercial") else "")
            + "."
        )
    if not licenses:
        lines.append("No licence information.")
    versions = infos.get("software_versions") or {}
    if versions:
        lines += ["", "## Software versions", ""]
        lines += [f"- {key}: {value}" for key, value in versions.items()]
    return "\n".join(lines) + "\n"


def _recipe_name_from_file(publish_dir):
    path = os.path.join(publish_dir, "recipe_name.txt")
    if not os.path.exists(path):
        return "Unknown"
    with open(path) as fh:
        return fh.readline().strip() or "Unknown"


def _format_value(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _plain(obj):
    """``obj`` as YAML-safe plain values (tuples as lists, numbers as Python numbers)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def _write_text_atomically(path, text):
    tmp_path = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp_path, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise
