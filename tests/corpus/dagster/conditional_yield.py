"""output_required=False: when the asset does yield, downstream runs as usual."""

from headwater import Output, asset

NEW_FILES = ["a.csv", "b.csv"]


@asset(output_required=False)
def new_files():
    if NEW_FILES:
        yield Output(NEW_FILES)


@asset
def parsed_files(new_files):
    return [name.upper() for name in new_files]


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"new_files": "SUCCESS", "parsed_files": "SUCCESS"},
    "outputs": {"parsed_files": ["A.CSV", "B.CSV"]},
}
