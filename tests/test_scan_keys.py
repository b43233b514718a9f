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


def test_the_gaps_are_the_keys_own_times_not_when_they_were_handled():
    """A person types at 120 ms a key; the main thread was busy, and the keys are handled
    all at once (the clock hardly moves): their own times say it was a person."""
    burst = ScanBurst(Ticks(0.0001))
    times = [10.0 + 0.12 * i for i in range(len("need it"))]
    assert all(burst.key(c, at) for c, at in zip("need it", times, strict=True))
    assert burst.enter(times[-1] + 0.12) is None
    fast = [20.0 + 0.004 * i for i in range(len("HPD-BWC-0001"))]
    feed_at = [burst.key(c, at) for c, at in zip("HPD-BWC-0001", fast, strict=True)]
    assert feed_at[0] and not any(feed_at[1:])
    assert burst.enter(fast[-1] + 0.004) == "HPD-BWC-0001"


def test_a_key_timed_by_another_clock_or_back_in_time_starts_a_new_burst():
    burst = ScanBurst(Ticks(0.001))
    feed(burst, "HPD-")  # keys without a time of their own (the clock's)
    assert burst.key("B", 5.0)  # a key with the window system's time: not the same clock
    assert not burst.key("W", 5.001)
    assert burst.key("C", 4.0)  # the window system's clock wrapped: a new burst
    assert burst.enter(4.002) is None


def test_an_ended_burst_keeps_nothing():
    burst = ScanBurst(Ticks(0.001))
    feed(burst, "Secret-Pass-99")
    burst.reset()
    assert burst.text == "" and burst.enter() is None
