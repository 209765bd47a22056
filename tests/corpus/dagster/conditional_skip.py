"""output_required=False: an asset that yields nothing skips its downstream assets."""

from headwater import Output, asset

NEW_FILES: list[str] = []


@asset(output_required=False)
def new_files():
    if NEW_FILES:
        yield Output(NEW_FILES)


@asset
def parsed_files(new_files):
    return [name.upper() for name in new_files]


@asset
def unrelated() -> int:
    return 42


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"new_files": "SUCCESS", "parsed_files": "SKIPPED", "unrelated": "SUCCESS"},
    "outputs": {"unrelated": 42},
    "reasons": {"parsed_files": "upstream 'new_files' produced no output"},
    "materialized": ["unrelated"],
}
