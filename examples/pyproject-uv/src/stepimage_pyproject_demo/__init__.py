"""A step's code, installed as a package by local_project_install_command."""
import attrs
import packaging


@attrs.define
class Report:
    attrs_version: str
    packaging_version: str


def main() -> None:
    print(Report(attrs.__version__, packaging.__version__))


if __name__ == "__main__":
    main()
