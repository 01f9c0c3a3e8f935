"""Publish a recipe's ``publish_dir/`` to Zenodo or to the Hugging Face hub.

``save_publishable`` (in :mod:`asteroid.models.publisher`) writes
``publish_dir/model.pth`` and its model card; the functions here fill in who
publishes it and send it:

- :func:`upload_publishable` makes a Zenodo deposition (metadata, file, then
  publication). It remembers the deposition in ``publish_dir/zenodo_deposition.json``
  so that a retried upload continues the same deposition instead of creating a second.
- :func:`push_to_hf_hub` commits the model file (as ``pytorch_model.bin``, the
  name ``from_pretrained`` resolves) and the model card to a hub repository.
"""

import getpass
import json
import os
import subprocess
import sys

from .model_file import load_model_file, save_model_file
from .zenodo import ZENODO_SANDBOX_URL, ZENODO_URL, Zenodo

__all__ = ["upload_publishable", "push_to_hf_hub", "make_license_note", "make_metadata"]

DEPOSITION_RECORD = "zenodo_deposition.json"
PUBLISHED_NAME = "published_model.pth"
HF_MODEL_FILENAME = "pytorch_model.bin"


def _git_user_name():
    try:
        out = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=10
        )
        name = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or getpass.getuser()


def make_license_note(upload_name, licenses, uploader):
    """The attribution note of a derivative model, with HTML links to each source."""
    parts = []
    for lic in licenses:
        note = (
            f'<a href="{lic.get("title_link", "")}">{lic.get("title", "Unknown")}</a> by '
            f'<a href="{lic.get("author_link", "")}">{lic.get("author", "Unknown")}</a>, used under '
            f'<a href="{lic.get("license_link", "")}">{lic.get("license", "an unknown license")}</a>'
        )
        if lic.get("non_commercial"):
            note += " (Research only)"
        parts.append(note)
    sources = "; ".join(parts) if parts else "unknown sources"
    return (
        f'This work "{upload_name}" is a derivative of {sources}. "{upload_name}" is licensed '
        f"under Attribution-ShareAlike 3.0 Unported by {uploader}."
    )


def _html_list(conf):
    items = []
    for key, value in conf.items():
        if isinstance(value, dict):
            items.append(f"<li>{key}: {_html_list(value)}</li>")
        else:
            items.append(f"<li>{key}: {value}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def make_metadata(model):
    """Zenodo metadata of a model file whose ``infos`` are filled by :func:`upload_publishable`."""
    infos = model["infos"]
    metrics = {k: v for k, v in infos.get("final_metrics", {}).items() if "pesq" not in k}
    description = (
        f"<p><strong>Description:</strong> This model was trained by {infos['uploader']} using "
        f"the {infos.get('recipe_name', 'Unknown')} recipe in Asteroid. It was trained on the "
        f"<code>{infos.get('task', 'Unknown')}</code> task of the {infos.get('dataset', 'Unknown')} "
        "dataset.</p>"
        f"<p><strong>Training config:</strong>{_html_list(infos.get('training_config', {}))}</p>"
        f"<p><strong>Results:</strong>{_html_list(metrics)}</p>"
        f"<p><strong>Versions:</strong>{_html_list(infos.get('software_versions', {}))}</p>"
        f"<p><strong>License notice:</strong> {infos['license_note']}</p>"
    )
    return {
        "title": infos["upload_name"],
        "upload_type": "software",
        "description": description,
        "creators": [{"name": infos["uploader"], "affiliation": infos["affiliation"]}],
        "communities": [{"identifier": "zenodo"}, {"identifier": "asteroid-models"}],
        "keywords": [
            "Asteroid",
            "audio source separation",
            str(infos.get("dataset", "Unknown")),
            str(infos.get("task", "Unknown")),
            model["model_name"],
            "pretrained model",
        ],
        "license": "CC-BY-SA-3.0",
    }


def _prepare(publish_dir, uploader, affiliation, git_username):
    if not uploader:
        raise ValueError("An uploader name is needed (--uploader 'First Last').")
    model_path = os.path.join(publish_dir, "model.pth")
    if not os.path.isfile(model_path):
        raise FileNotFoundError(
            f"No model file at {model_path}: run the recipe's publishing stage "
            "(save_publishable) first."
        )
    model = load_model_file(model_path)
    infos = model.setdefault("infos", {})
    git_username = (git_username or _git_user_name()).replace(" ", "")
    task = str(infos.get("task", "Unknown")).replace("_", "")
    upload_name = f"{git_username}/{model['model_name']}_{infos.get('dataset', 'Unknown')}_{task}"
    infos.update(
        uploader=uploader,
        git_username=git_username,
        affiliation=affiliation or "Unknown",
        upload_name=upload_name,
        license_note=make_license_note(upload_name, infos.get("licenses", []), uploader),
    )
    published_path = save_model_file(model, os.path.join(publish_dir, PUBLISHED_NAME))
    return model, published_path


def _read_record(publish_dir, base_url):
    path = os.path.join(publish_dir, DEPOSITION_RECORD)
    if not os.path.isfile(path):
        return None
    with open(path) as fh:
        record = json.load(fh)
    return record.get("id") if record.get("base_url") == base_url else None


def _write_record(publish_dir, base_url, dep_id):
    path = os.path.join(publish_dir, DEPOSITION_RECORD)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump({"base_url": base_url, "id": dep_id}, fh)
    os.replace(tmp, path)


def upload_publishable(
    publish_dir,
    uploader=None,
    affiliation=None,
    git_username=None,
    token=None,
    force_publish=False,
    use_sandbox=False,
    unit_test=False,
    base_url=None,
):
    """Upload ``publish_dir/model.pth`` to Zenodo and (optionally) publish it.

    Args:
        publish_dir (str): the folder written by ``save_publishable``.
        uploader (str): the name shown as the model's creator.
        affiliation (str, optional): the uploader's affiliation.
        git_username (str, optional): the name used in the upload's title
            (default: ``git config user.name``, else the login name).
        token (str, optional): Zenodo access token (default: ``$ACCESS_TOKEN``).
        force_publish (bool): publish without asking.
        use_sandbox (bool): use sandbox.zenodo.org.
        unit_test (bool): return after the upload, neither asking nor publishing.
        base_url (str, optional): another server with Zenodo's API.

    Returns:
        tuple: ``(Zenodo client, deposition JSON)``.

    Raises:
        ValueError, FileNotFoundError: for a missing uploader, token or model file.
        asteroid.models.zenodo.ZenodoError: when a call fails (with its HTTP status).
    """
    model, published_path = _prepare(publish_dir, uploader, affiliation, git_username)
    zen = Zenodo(token, use_sandbox=use_sandbox, base_url=base_url)
    base = base_url or (ZENODO_SANDBOX_URL if use_sandbox else ZENODO_URL)
    metadata = make_metadata(model)

    dep = None
    dep_id = _read_record(publish_dir, base)
    if dep_id is not None:
        from .zenodo import ZenodoError

        try:
            dep = zen.get_deposition(dep_id)
        except ZenodoError as err:
            if err.status != 404:
                raise
            dep = None
        if dep is not None and dep.get("submitted"):
            print(f"Deposition {dep_id} is already published; nothing to do.")
            return zen, dep
    if dep is None:
        dep = zen.create_new_deposition()
        _write_record(publish_dir, base, dep["id"])
    dep = zen.change_metadata_in_deposition(dep["id"], metadata)
    zen.sync_file(dep["id"], published_path, name="model.pth")
    if unit_test:
        return zen, dep
    if not force_publish:
        if not sys.stdin.isatty():
            print(
                f"Deposition {dep['id']} is uploaded as a draft; run again with --force_publish "
                "to publish it."
            )
            return zen, dep
        answer = input(f"Publish deposition {dep['id']} now? It cannot be undone [y/n] ")
        if answer.strip().lower() not in ("y", "yes"):
            print(f"Deposition {dep['id']} left as a draft.")
            return zen, dep
    dep = zen.publish_deposition(dep["id"])
    print(f"Published deposition {dep['id']}.")
    return zen, dep


def push_to_hf_hub(
    publish_dir,
    repo_id,
    uploader=None,
    affiliation=None,
    git_username=None,
    token=None,
    endpoint=None,
):
    """Push ``publish_dir``'s model file and model card to a Hugging Face hub repository.

    The model file is committed as ``pytorch_model.bin`` (the name
    ``from_pretrained("user/repo")`` downloads) together with ``README.md``, in
    one commit; the repository is created if needed.

    Args:
        publish_dir (str): the folder written by ``save_publishable``.
        repo_id (str): ``user/repo``.
        uploader, affiliation, git_username: as for :func:`upload_publishable`.
        token (str, optional): hub token (default: the hub client's own lookup).
        endpoint (str, optional): another hub server (default: ``$HF_ENDPOINT`` or huggingface.co).

    Returns:
        str: the URL of the commit.
    """
    from huggingface_hub import CommitOperationAdd, HfApi

    if repo_id.count("/") != 1:
        raise ValueError(f"A hub repository id reads 'user/repo', got {repo_id!r}.")
    model, published_path = _prepare(publish_dir, uploader, affiliation, git_username)
    api = HfApi(endpoint=endpoint, token=token)
    api.create_repo(repo_id, exist_ok=True)
    operations = [
        CommitOperationAdd(path_in_repo=HF_MODEL_FILENAME, path_or_fileobj=published_path)
    ]
    card = os.path.join(publish_dir, "README.md")
    if os.path.isfile(card):
        operations.append(CommitOperationAdd(path_in_repo="README.md", path_or_fileobj=card))
    info = api.create_commit(
        repo_id,
        operations=operations,
        commit_message=f"Upload {model['model_name']} with asteroid",
    )
    return info.commit_url
