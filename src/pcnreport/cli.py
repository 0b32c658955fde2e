"""The `pcnreport` command line: one small function a subcommand.

`main(argv)` returns an exit code instead of exiting, so tests call it in-process. User errors
(the `PcnReportError` family) print their message without a traceback and exit with their code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pcnreport.errors import PcnReportError


def cmd_build(args: argparse.Namespace) -> int:
    from pcnreport.pipeline import BuildOptions, build

    options = BuildOptions(
        project_dir=args.project,
        data_dir=args.data_dir,
        release=args.release,
        population_source=args.population_source,
        renderer=args.renderer,
        seed=args.seed,
    )
    result = build(options)
    kind = "synthetic sample" if result.synthetic else f"data in {result.data_dir}"
    print(f"Built the report from the {kind} with {result.renderer}:")
    print(f"  website: {result.site_index}")
    print(f"  PDF:     {result.pdf}")
    for step, seconds in result.timings.items():
        print(f"  {step:<40} {seconds:6.1f} s")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from pcnreport.synth import SyntheticSpec, write_sample

    written = write_sample(args.out, SyntheticSpec(seed=args.seed))
    for dataset, path in written.items():
        print(f"{dataset:<14} {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pcnreport import readers
    from pcnreport.catalogue import load_catalogue, locate

    catalogue = load_catalogue(args.project / "data" / "catalogue.yaml")
    problems = 0
    for dataset in catalogue.datasets.values():
        try:
            found = locate(args.data_dir, dataset)
            getattr(readers, dataset.reader)(found.path)
            print(f"ok       {dataset.name:<14} {found.path}")
        except PcnReportError as exc:
            problems += 1
            print(f"PROBLEM  {dataset.name:<14} {exc}")
    return 3 if problems else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pcnreport", description=__doc__.splitlines()[0])
    top.add_argument("--project", type=Path, default=Path.cwd(), help="the project folder (default: here)")
    sub = top.add_subparsers(dest="command", required=True)

    from pcnreport.synth import SyntheticSpec

    build = sub.add_parser("build", help="run the analysis and render the website and PDF into _book/")
    build.add_argument("--data-dir", type=Path, help="a data folder (<dataset>/<release>/<file>); default: the synthetic sample")
    build.add_argument("--release", help="label of the data release shown in the report")
    build.add_argument("--population-source", choices=["registrations", "payments"], default="registrations",
                       help="where practice list sizes come from (default: registrations)")
    build.add_argument("--renderer", choices=["auto", "quarto", "pandoc+typst"], default="auto",
                       help="auto: Quarto when on PATH, otherwise pandoc + Typst")
    build.add_argument("--seed", type=int, default=SyntheticSpec().seed, help="seed of the synthetic sample")
    build.set_defaults(func=cmd_build)

    synth = sub.add_parser("synth", help="write the synthetic sample in the publishers' formats")
    synth.add_argument("out", type=Path)
    synth.add_argument("--seed", type=int, default=SyntheticSpec().seed)
    synth.set_defaults(func=cmd_synth)

    validate = sub.add_parser("validate", help="check every dataset of a data folder with its reader")
    validate.add_argument("data_dir", type=Path)
    validate.set_defaults(func=cmd_validate)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except PcnReportError as exc:
        print(f"pcnreport: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("pcnreport: interrupted; the published report is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
