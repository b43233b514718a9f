from bwc_desk.ui.scan_keys import ScanBurst


class Ticks:
    def __init__(self, step: float) -> None:
        self.t, self.step = 0.0, step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


def feed(burst: ScanBurst, text: str) -> list[bool]:
    return [burst.key(c) for c in text]


def test_keys_at_scanner_speed_ending_in_enter_are_a_scan():
    burst = ScanBurst(Ticks(0.004))
    starts = feed(burst, "HPD-BWC-0001")
    assert starts[0] and not any(starts[1:])
    assert burst.enter() == "HPD-BWC-0001"
    assert burst.enter() is None  # a second Enter alone is nothing


def test_a_person_typing_is_not_a_scan():
    burst = ScanBurst(Ticks(0.2))
    assert all(feed(burst, "lens cracked"))
    assert burst.enter() is None


def test_short_bursts_are_not_codes():
    burst = ScanBurst(Ticks(0.004))
    feed(burst, "ok")
    assert burst.enter() is None


def test_enter_may_trail_a_code_typed_at_speed_but_not_a_note():
    ticks = Ticks(0.004)
    burst = ScanBurst(ticks)
    feed(burst, "HPD-BWC-0009")
    ticks.t += 0.4  # the scanner's Enter comes a little later
    assert burst.enter() == "HPD-BWC-0009"
    ticks.step = 0.2
    feed(burst, "lens")
    ticks.step = 0.001
    assert burst.enter() is None  # typed by a person, however quick the Enter


def test_a_short_run_of_digits_could_be_a_pin_a_code_could_not():
    from bwc_desk.ui.scan_keys import MAX_TYPED_PIN, could_be_pin

    assert could_be_pin("480271") and could_be_pin("4" * MAX_TYPED_PIN)
    assert not could_be_pin("4" * (MAX_TYPED_PIN + 1))  # a barcode of digits
    assert not could_be_pin("HPD-BWC-0001") and not could_be_pin("") and not could_be_pin("٤٨٠٢٧١")
