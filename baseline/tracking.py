"""MLflow tracking for training runs: an embedded store inside the run folder by default.

By default each run folder holds its own SQLite backend store (`mlflow.db`) and
artifact store (`mlartifacts/`), so `mlflow ui --backend-store-uri
sqlite:///RUN/mlflow.db` shows the run with no server. `--tracking-uri` sends the
same records to a remote MLflow server instead.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from saferkit.core.errors import UserError

# No telemetry, and fail fast rather than retrying for minutes on a dead server.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")

LOCAL_DB_NAME = "mlflow.db"
LOCAL_ARTIFACTS_NAME = "mlartifacts"
ENVIRONMENT_PACKAGES = ("saferkit", "torch", "torchvision", "numpy", "pillow", "onnx", "onnxruntime", "mlflow")


def local_tracking_uri(run_dir: Path) -> str:
    """The embedded SQLite store inside a run folder."""
    return f"sqlite:///{(Path(run_dir).resolve() / LOCAL_DB_NAME).as_posix()}"


def ui_hint(tracking_uri: str) -> str:
    """The command that shows a run stored at `tracking_uri`."""
    if tracking_uri.startswith("sqlite:"):
        return f"mlflow ui --backend-store-uri {tracking_uri}"
    return f"open {tracking_uri} in a browser"


def environment(device: str, device_name: str, threads: int) -> dict[str, Any]:
    """Versions and hardware that explain a run's numbers."""
    versions: dict[str, str | None] = {}
    for package in ENVIRONMENT_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    if versions["saferkit"] is None:
        from saferkit import __version__

        versions["saferkit"] = __version__
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": threads,
        "device": device,
        "device_name": device_name,
        "packages": versions,
    }


def _artifact_location(uri: str) -> str | None:
    """Artifacts beside a SQLite store (MLflow would use ./mlruns under the current folder); a server decides its own."""
    if uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///"):]).resolve().parent / LOCAL_ARTIFACTS_NAME).as_uri()
    return None


def _quiet_store_logs() -> None:
    for name in ("mlflow.store.db.utils", "alembic", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(logging.WARNING)


@contextmanager
def tracked_run(
    run_dir: Path,
    tracking_uri: str | None,
    experiment: str,
    run_name: str,
    tags: dict[str, str],
) -> Iterator[Any]:
    """Start an MLflow run (ended FAILED if the body raises); restores the caller's tracking URI."""
    _quiet_store_logs()
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    uri = tracking_uri or local_tracking_uri(run_dir)
    previous = os.environ.get("MLFLOW_TRACKING_URI")  # set_tracking_uri mirrors itself here
    try:
        client = MlflowClient(uri)
        found = client.get_experiment_by_name(experiment)
        if found is not None:
            experiment_id = found.experiment_id
        else:
            experiment_id = client.create_experiment(experiment, artifact_location=_artifact_location(uri))
    except MlflowException as exc:
        raise UserError(f"cannot use the MLflow tracking store at {uri} ({exc.message.splitlines()[0]}); "
                        f"check --tracking-uri or leave it out to track inside the run folder.") from None
    except OSError as exc:
        raise UserError(f"cannot reach the MLflow tracking store at {uri} ({exc}); check --tracking-uri.") from None
    mlflow.set_tracking_uri(uri)
    try:
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags) as run:
            yield run
    finally:
        mlflow.set_tracking_uri(previous)  # type: ignore[arg-type]  # None unsets it; mlflow's annotation omits None
