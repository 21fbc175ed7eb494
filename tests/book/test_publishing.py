"""Publishing the book: the workflow (.github/workflows/publish.yml) and the book's address agree.

`make lint` validates the workflow file itself (check-jsonschema, zizmor); these tests check what it does for
this book: on a tag it builds with the Korean edition on a Korean checkpoint, checks the book with `make test`,
and deploys exactly the folder `make site` wrote; and the address the Colab and student notebooks link to
(``html.baseurl`` in _config.yml) is where GitHub Pages serves that repository, as the README says.
"""

from __future__ import annotations

import yaml

from _book import ROOT

WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _steps() -> list[dict]:
    return [step for job in WORKFLOW["jobs"].values() for step in job.get("steps", [])]


def test_the_workflow_runs_on_a_tag_with_a_korean_checkpoint_and_make_test():
    triggers = WORKFLOW[True] if True in WORKFLOW else WORKFLOW["on"]  # YAML 1.1 reads the key `on` as True
    assert "tags" in triggers["push"], f"the workflow does not run on a tag: {triggers}"
    assert WORKFLOW["env"].get("BERTKIT_MODEL_KO"), "the Korean edition must be built on a Korean checkpoint"
    runs = [step.get("run", "") for step in _steps()]
    assert any(run.strip() == "make test" for run in runs), f"the book is not checked with `make test`: {runs}"


def test_the_workflow_deploys_the_folder_make_site_writes():
    site = [step["run"].split("DIR=", 1)[1].split()[0] for step in _steps() if "make site DIR=" in step.get("run", "")]
    uploads = [step["with"]["path"] for step in _steps() if "upload-pages-artifact" in step.get("uses", "")]
    assert site and uploads == site, f"`make site DIR=...` wrote {site}, the workflow uploads {uploads}"
    assert any("deploy-pages" in step.get("uses", "") for step in _steps()), "nothing deploys to GitHub Pages"


def test_the_book_url_is_where_github_pages_serves_the_repository():
    owner, repo = CONFIG["repository"]["url"].rstrip("/").split("/")[-2:]
    pages = f"https://{owner}.github.io/{repo}/"
    base = CONFIG["html"].get("baseurl", pages).rstrip("/") + "/"
    assert base == pages, f"html.baseurl is {base}, but GitHub Pages serves {owner}/{repo} at {pages}"
    assert pages in (ROOT / "README.md").read_text(encoding="utf-8"), f"README does not say the book lives at {pages}"
