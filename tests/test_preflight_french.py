"""The preflight in French for a volunteer whose machine speaks French: the frame of the
report and each rule's line, chosen by the locale Ansible runs with on the controller."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest
from conftest import ASSOCIATION, KEY, tripwire_hosts
from test_preflight import MATRIX, check

from collectif import i18n
from collectif.preflight import problems, spec_problems


@pytest.fixture(scope="session")
def french_environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """LANG=fr_FR.UTF-8, as on a French volunteer's computer. Ansible refuses a locale the
    C library does not have: when the machine has not generated it, it is made here
    (localedef, read through LOCPATH); failing that, LANGUAGE asks for French as gettext
    reads it, with a locale the machine has."""
    try:
        have = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    except OSError:
        have = None
    if have is not None and "fr_FR.utf8" in have.stdout.replace("UTF-8", "utf8"):
        return {"LANG": "fr_FR.UTF-8"}
    directory = tmp_path_factory.mktemp("locales")
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run(
            ["localedef", "-i", "fr_FR", "-f", "UTF-8", str(directory / "fr_FR.UTF-8")],
            capture_output=True,
            check=False,
            timeout=120,
        )
    if (directory / "fr_FR.UTF-8").is_dir():
        return {"LANG": "fr_FR.UTF-8", "LOCPATH": str(directory)}
    return {"LANGUAGE": "fr", "LANG": "C.UTF-8"}


@pytest.fixture
def in_french(monkeypatch: pytest.MonkeyPatch, french_environment: dict[str, str]) -> None:
    for variable, value in french_environment.items():
        monkeypatch.setenv(variable, value)


def test_the_frame_and_the_rules_are_said_in_french(run_against, in_french):
    run = run_against({**ASSOCIATION, "collectif_domain": "Example.org"})
    assert run.returncode == 2, run.output
    assert "L'inventaire a 1 problème(s) ; rien n'a été changé sur aucun hôte :" in run.output
    assert (
        "Arrêt avant toute modification. Corrigez les problèmes listés ci-dessus, puis "
        "relancez le playbook."
    ) in run.output
    assert "The inventory has" not in run.output
    assert "Set it in" not in run.output
    assert run.reached == ""


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    """French messages, for the rules checked without Ansible (no C library locale needed)."""
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")


ASSOCIATION_FILE = "inventories/asso/group_vars/all/association.yml"


def test_a_missing_value_and_a_wrong_environment_in_french(french):
    lines = check({"collectif_environment": "prod"}, drop=("collectif_domain",))
    assert lines == [
        "collectif_domain : est obligatoire (par exemple : mon-asso.fr). "
        f"À corriger dans {ASSOCIATION_FILE}.",
        "collectif_environment : 'prod' n'est pas l'une des valeurs possibles (production, "
        f"test, demo). À corriger dans {ASSOCIATION_FILE}.",
    ]


def test_the_admins_rules_in_french(french):
    admins = [{"name": "root", "ssh_keys": [KEY]}, {"name": "camille", "ssh_keys": [KEY]}]
    assert check({"base_admin_users": admins, "ansible_user": "sam"}) == [
        "ansible_user : 'sam' serait refusé par le serveur, une fois SSH renforcé par ce "
        "déploiement : seuls les administrateurs de base_admin_users et le premier compte de "
        "l'hébergeur, 'debian', peuvent se connecter, pas root ; connectez-vous en tant que "
        "debian la "
        "première fois, puis en tant que l'un des administrateurs. "
        "À corriger dans inventories/asso/hosts.yml.",
        "base_admin_users[0].name : 'root' est un compte sous lequel tourne le système ou un "
        "service ; donnez à l'administrateur son propre identifiant (son prénom, par exemple). "
        f"À corriger dans {ASSOCIATION_FILE}.",
        "base_admin_users[1].ssh_keys[0] : est la même clé que base_admin_users[0].ssh_keys[0] "
        ": une clé appartient à une seule personne ; retirez l'une des deux. "
        f"À corriger dans {ASSOCIATION_FILE}.",
    ]


def test_the_argument_specs_lines_keep_ansibles_sentence(french):
    results = [{"item": "base", "argument_errors": ["base_sshd_port must be an int."]}]
    assert spec_problems(results, "inventories/asso") == [
        "rôle base : base_sshd_port must be an int. "
        "À corriger dans inventories/asso/group_vars ou host_vars."
    ]


def test_every_module_of_the_preflight_has_its_catalogue():
    modules = Path(problems.__code__.co_filename).parent.glob("*.py")
    wanted = {f"preflight_{m.stem}" for m in modules if m.stem not in ("__init__", "common")}
    assert wanted | {"preflight", "validators"} <= set(i18n.subjects())


MEMBERS_FILE = "inventories/asso/group_vars/all/members.yml"


def test_the_members_rules_in_french(french):
    members = [
        {"login": "camille", "name": "Camille", "email": "c@asso-exemple.fr", "plan": "essentiell"},
        {"login": "Camille", "name": "C", "email": "d@asso-exemple.fr", "plan": "essentiel"},
        {
            "login": "dom",
            "name": "D",
            "email": "e@asso-exemple.fr",
            "plan": "essentiel",
            "since": "1er mai",
        },
    ]
    assert check({"collectif_members": members}) == [
        "collectif_members[0].plan : 'essentiell' n'est pas une formule de collectif_plans "
        f"(essentiel) ; le plus proche est essentiel. À corriger dans {MEMBERS_FILE}.",
        "collectif_members[1].login : 'Camille' est aussi l'identifiant de collectif_members[0] "
        "(majuscules mises à part) : chaque membre a son propre identifiant. "
        f"À corriger dans {MEMBERS_FILE}.",
        "collectif_members[1].login : 'Camille' n'est pas un identifiant : lettres minuscules "
        "a-z, chiffres et . _ -, commençant par une lettre, 32 caractères au plus, sans espace "
        f"ni accent. À corriger dans {MEMBERS_FILE}.",
        "collectif_members[2].since : '1er mai' n'est pas une date : écrivez-la sous la forme "
        f"année-mois-jour, par exemple 2026-09-01. À corriger dans {MEMBERS_FILE}.",
    ]


def test_the_matrix_rules_in_french(french):
    users = [{"name": "signalbot", "password": "assez-long-1"}, {"name": "sam", "password": "c"}]
    assert check({"synapse_users": users}, groups=MATRIX) == [
        "synapse_users[0].name : 'signalbot' appartient à la passerelle Signal (son bot, ou les "
        "comptes signal_... qu'elle crée pour les contacts) ; choisissez un autre identifiant. "
        f"À corriger dans {ASSOCIATION_FILE}.",
        "synapse_users[1].password : a 1 caractères, moins que les 10 que Synapse demande aux "
        "membres (synapse_password_minimum_length) : choisissez-en un plus long. "
        f"À corriger dans {ASSOCIATION_FILE}.",
    ]


def test_a_broken_inventory_is_said_in_french_through_the_playbook(run_against, in_french):
    hosts = tripwire_hosts(
        servers={"hosts": {"asso1": {}}},
        nextcloud={"hosts": {"asso1": {}, "asso2": {}}},
        nextclowd={"hosts": {"asso1": {}}},
        backup_targets={"host": {"backup1": {}}},
    )
    broken = {
        **ASSOCIATION,
        "collectif_admin_email": "bureau",
        "nextcloud_default_qouta": "5 GB",
        "base_swap_enabled": "no",
    }
    run = run_against(broken, hosts)
    expected = [
        "L'inventaire a 7 problème(s) ; rien n'a été changé sur aucun hôte :",
        "- collectif_admin_email : 'bureau' n'est pas une adresse e-mail (attendu : quelque "
        "chose comme bureau@example.org). À corriger dans ",
        "- base_swap_enabled : est le texte 'no', pas une valeur oui/non : écrivez true ou false "
        "sans guillemets (un 'false' entre guillemets compte comme vrai). À corriger dans ",
        "- groupe backup_targets : a une clé 'host' qu'Ansible ignore (vouliez-vous dire "
        "'hosts' ? un groupe ne contient que hosts, children, vars). À corriger dans ",
        "- groupe nextcloud : a 2 hôtes (asso1, asso2) ; nextcloud ne tourne que sur un seul "
        "hôte. À corriger dans ",
        "- groupe nextcloud : l'hôte asso2 est dans nextcloud mais pas dans 'servers', il "
        "n'aurait donc ni pare-feu ni comptes d'administrateurs ; ajoutez-le à 'servers'.",
        "- groupe nextclowd : n'est pas un groupe de collectif : aucun service de collectif n'y "
        "tourne (vouliez-vous dire 'nextcloud' ?), rien n'y serait donc déployé ; les groupes "
        "que collectif connaît sont backup_targets, coturn, ",
        "- nextcloud_default_qouta : n'est pas une variable que collectif connaît (vouliez-vous "
        "dire 'nextcloud_default_quota' ?) ; écrite ainsi, rien ne la lit. À corriger dans ",
    ]
    assert run.returncode == 2, run.output
    for line in expected:
        assert run.output.count(line) == 1, f"{line!r} not said once:\n{run.output}"
    assert "Arrêt avant toute modification. Corrigez les problèmes listés" in run.output
    assert "Traceback" not in run.output
    assert run.reached == ""


def test_the_shared_format_rules_in_french(french):
    _, body, _ = KEY.split()
    admins = [{"name": "camille", "ssh_keys": [f"ssh-rsa {body} camille@laptop"]}]
    lines = check(
        {
            "collectif_domain": "Asso.fr",
            "base_admin_users": admins,
            "base_timezone": "Europe/Pari",
            "collectif_plans": [
                {"name": "essentiel", "fee": 15, "services": ["cloud"], "nextcloud_quota": "0 GB"}
            ],
        }
    )
    assert lines == [
        "base_admin_users[0].ssh_keys[0] : 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIBhq2...' annonce "
        "ssh-rsa mais contient une clé ssh-ed25519 ; collez la ligne telle qu'elle est dans le "
        f"fichier .pub. À corriger dans {ASSOCIATION_FILE}.",
        "base_timezone : 'Europe/Pari' n'est pas un fuseau horaire comme Europe/Paris "
        "(vouliez-vous dire 'Europe/Paris' ?). À corriger dans inventories/asso/host_vars/"
        "asso1.yml.",
        "collectif_domain : 'Asso.fr' contient des majuscules ; écrivez-le en minuscules "
        f"('asso.fr'). À corriger dans {ASSOCIATION_FILE}.",
        "collectif_plans[0].nextcloud_quota : '0 GB' vaut zéro : un membre ne pourrait rien "
        f"stocker. À corriger dans {ASSOCIATION_FILE}.",
    ]


def test_the_rules_of_the_key_the_bridges_php_and_nginx_in_french(french):
    lines = check(
        {
            "collectif_secret_key": "0" * 64,
            "php_fpm_extensions": ["intll", "gdd"],
            "mautrix_bridge_networks": ["whatsap"],
            "nginx_sites": [
                {"name": "accueil", "server_names": ["asso-exemple.fr", "www example"]},
            ],
        },
        groups=MATRIX,
    )
    where = f". À corriger dans {ASSOCIATION_FILE}."
    assert lines == [
        "collectif_secret_key : est trop facile à deviner (1 caractères différents) : les mots "
        "de passe et les jetons des services, dont ceux des sauvegardes, en sont dérivés. "
        "Créez-la une fois avec `collectif secrets -i inventories/asso` (chiffrée dans "
        "group_vars/all/vault.yml), et faites-y référence depuis association.yml : "
        'collectif_secret_key: "{{ vault_collectif_secret_key }}"' + where,
        "mautrix_bridge_networks : 'whatsap' n'est pas une passerelle que collectif connaît ; "
        "les passerelles sont whatsapp (WhatsApp), signal (Signal), telegram (Telegram), meta "
        "(Messenger). Vouliez-vous dire whatsapp ?" + where,
        "nginx_sites[0] : nom de serveur 'www example' n'est pas un nom de domaine (attendu : "
        "quelque chose comme example.org)" + where,
        "php_fpm_extensions : 'intll' (vouliez-vous dire 'intl' ou 'pcntl' ?) et 'gdd' "
        "(vouliez-vous dire 'gd' ?) ne sont pas des extensions PHP que collectif connaît ; les "
        "noms connus sont ceux de PHP (tels que `php -m` les affiche), listés dans "
        "src/collectif/php.py" + where,
    ]
