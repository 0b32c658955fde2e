"""The command line: parsing without side effects, and user errors as messages with exit codes."""

from pcnreport import cli
from pcnreport.data.synth import SyntheticSpec


def test_parser_default_seed_is_the_synthetic_sample_default():
    assert cli.DEFAULT_SEED == SyntheticSpec().seed


def test_user_error_prints_a_message_and_its_exit_code(tmp_path, capsys):
    code = cli.main(["--project", str(tmp_path), "build", "--data-dir", str(tmp_path / "absent")])
    err = capsys.readouterr().err
    assert code == 4
    assert err.startswith("pcnreport: error:") and "absent" in err and "Traceback" not in err


def test_parser_default_vintage_is_the_synthetic_sample_default():
    from pcnreport.data.synth import DEFAULT_VINTAGE

    assert cli.DEFAULT_VINTAGE == DEFAULT_VINTAGE


def test_build_and_synth_take_a_vintage_and_refuse_an_unknown_one(capsys):
    import pytest

    assert cli.parser().parse_args(["build", "--vintage", "2022-02"]).vintage == "2022-02"
    assert cli.parser().parse_args(["synth", "out", "--vintage", "latest"]).vintage == "latest"
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["synth", "out", "--vintage", "2018-01"])
    assert "the sample's formats start in 2019-12" in capsys.readouterr().err


def test_the_synthetic_cache_is_keyed_by_vintage(tmp_path):
    from pcnreport.build.context import synthetic_sample_path

    default = synthetic_sample_path(tmp_path, 7)
    assert default.name.startswith("seed-7-2019-12-v")
    assert synthetic_sample_path(tmp_path, 7, "2022-05").name.startswith("seed-7-2022-02-v")
    assert synthetic_sample_path(tmp_path, 7, "latest") != default
