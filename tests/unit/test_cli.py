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
