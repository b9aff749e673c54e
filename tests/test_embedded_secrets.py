import stat
import threading

from mosaic.bootstrap import embedded_secret


def test_processes_starting_at_once_agree_on_one_secret(tmp_path):
    barrier = threading.Barrier(8)
    secrets: list[str] = []

    def start() -> None:
        barrier.wait()
        secrets.append(embedded_secret(tmp_path / "data", "token_secret"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(secrets)) == 1
    assert embedded_secret(tmp_path / "data", "token_secret") == secrets[0]
    assert embedded_secret(tmp_path / "data", "admin_key") != secrets[0]
    mode = stat.S_IMODE((tmp_path / "data" / "secrets.json").stat().st_mode)
    assert mode == 0o600
