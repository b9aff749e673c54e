"""The deployment template and local.settings.example.json agree with the code: every setting
mosaic.settings reads on the Azure backend is set by infra/main.bicep, nothing else is, the
queues and containers it makes are the ones the app uses. Names come from the code itself
(Settings' fields and aliases, the registered queue triggers, the Container enum), so a setting,
queue or container added on one side only fails here."""

from __future__ import annotations

import json
import typing
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser
from pydantic import SecretStr

import function_app
from mosaic.localhost.discovery import registered_functions
from mosaic.ports.documents import INDEXED_FIELDS, Container
from mosaic.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"

# Settings that make sense on the embedded backend only: never set in Azure.
EMBEDDED_ONLY = frozenset({"data_dir", "now", "demo_seed", "cosmos_stand_in"})
# (cosmos_stand_in: the local Cosmos DB server of development and tests, never Azure's.)
# The template authenticates with the function app's managed identity (Entra ID); keys and a
# storage connection string are the alternative for key-based accounts and the emulators.
# The account name is the other way to name the queue service (the template gives its URI).
REPLACED_BY_ENTRA_ID = frozenset(
    {"cosmos_key", "search_key", "storage_connection", "storage_account_name"}
)
# App settings the Functions host and the platform read, not mosaic.settings.
HOST_SETTINGS = frozenset(
    {
        "AzureWebJobsStorage__blobServiceUri",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    }
)
# What Core Tools (func start) needs locally and Flex Consumption sets itself (runtime stack).
LOCAL_HOST_SETTINGS = frozenset({"FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsFeatureFlags"})
MINUS_ONE = {"operator": {"type": "minus", "operands": {"integer_value": 1}}}  # as pycep reads -1


def env_names() -> dict[str, str]:
    """Field name -> the app setting it is read from (its alias, else prefix + name)."""
    prefix = Settings.model_config.get("env_prefix", "")
    return {
        name: str(field.validation_alias or field.alias or f"{prefix}{name}".upper())
        for name, field in Settings.model_fields.items()
    }


def secret_fields() -> frozenset[str]:
    return frozenset(
        name
        for name, field in Settings.model_fields.items()
        if SecretStr in typing.get_args(field.annotation) or field.annotation is SecretStr
    )


@cache
def parsed(path: Path) -> dict[str, Any]:
    return typing.cast(dict[str, Any], BicepParser().parse(file_path=path))


def template_app_settings() -> dict[str, Any]:
    (module,) = (
        module
        for module in parsed(INFRA / "main.bicep")["modules"].values()
        if module["detail"]["path"] == "modules/app-settings.bicep"
    )
    settings: dict[str, Any] = module["config"]["params"]["appSettings"]
    return settings


def literal(value: Any) -> str | None:
    """A setting's value when the template spells it out, else None (an expression)."""
    return value if isinstance(value, str) and "${" not in value else None


def test_template_sets_every_setting_the_azure_backend_reads() -> None:
    names = env_names()
    needed = {names[field] for field in names.keys() - EMBEDDED_ONLY - REPLACED_BY_ENTRA_ID}

    missing = needed - template_app_settings().keys()

    assert not missing, f"infra/main.bicep app settings lack {sorted(missing)}"


def test_template_sets_nothing_the_app_and_the_host_do_not_read() -> None:
    known = set(env_names().values()) | HOST_SETTINGS

    unknown = template_app_settings().keys() - known

    assert not unknown, f"infra/main.bicep sets {sorted(unknown)}, which nothing reads"


def test_template_sets_no_embedded_only_setting() -> None:
    names = env_names()

    assert not {names[field] for field in EMBEDDED_ONLY} & template_app_settings().keys()


def test_template_values_are_valid_settings_of_the_azure_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in template_app_settings().items():
        if (text := literal(value)) is not None:
            monkeypatch.setenv(name, text)

    settings = Settings()

    assert settings.backend == "azure"
    assert settings.cosmos_database == "mosaic"


def test_every_secret_comes_from_key_vault() -> None:
    names = env_names()
    app_settings = template_app_settings()

    for field in secret_fields() - REPLACED_BY_ENTRA_ID:
        value = app_settings[names[field]]
        assert isinstance(value, str)
        assert value.startswith("@Microsoft.KeyVault(SecretUri="), names[field]


def test_template_makes_every_queue_a_trigger_reads_and_its_poison_queue() -> None:
    triggers = {
        spec.queue_name for spec in registered_functions(function_app.app) if spec.queue_name
    }
    needed = triggers | {f"{queue}-poison" for queue in triggers}

    made = set(parsed(INFRA / "main.bicep")["variables"]["queueNames"]["value"])

    assert triggers
    assert needed <= made, f"infra/main.bicep queueNames lacks {sorted(needed - made)}"


def test_template_makes_the_document_containers_with_their_ordered_fields() -> None:
    declared = parsed(INFRA / "modules" / "cosmos.bicep")["variables"]["containers"]["value"]

    made = {container["name"]: tuple(container["orderedBy"]) for container in declared}

    assert made == {container.value: INDEXED_FIELDS.get(container, ()) for container in Container}


def test_containers_are_partitioned_by_program_with_ttl_on() -> None:
    resources = parsed(INFRA / "modules" / "cosmos.bicep")["resources"]

    container = resources["sqlContainers"]["config"]["config"]["properties"]["resource"]

    assert container["partitionKey"]["paths"] == ["/program"]
    assert container["defaultTtl"] == MINUS_ONE


def local_settings_example(section: str = "Values") -> dict[str, str]:
    example = json.loads((ROOT / "local.settings.example.json").read_text())
    values: dict[str, str] = example[section]
    return values


def test_local_settings_example_lists_every_setting_and_nothing_else() -> None:
    listed = local_settings_example().keys()
    names = set(env_names().values())

    assert names - listed == set(), "local.settings.example.json lacks them"
    assert listed - names - LOCAL_HOST_SETTINGS == set(), "nothing reads them"
    assert local_settings_example("Comments").keys() - listed == {"Values"}


def test_local_settings_example_is_a_valid_embedded_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in local_settings_example().items():
        monkeypatch.setenv(name, value)

    settings = Settings()

    assert settings.backend == "embedded"
    assert settings.token_secret is None
    assert settings.now is None
