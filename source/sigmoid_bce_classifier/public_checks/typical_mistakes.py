"""sigmoid_bce_classifier's code for its public checks: the stand-ins for earlier functions.

The public check of ``training_step`` runs in the student's kernel, where the grader's
reference functions are not.  So that a wrong ``sigmoid`` or ``bce_loss`` cannot make a
correct ``training_step`` fail (each function is judged on its own), the check swaps in
stand-ins for them (``STANDINS``) that answer the calls the reference ``training_step``
makes on the probe's inputs, from replies recorded at release time (grading.py's
``recorded_tables``): numbers, not the reference's code.  Each stand-in is linear in its
argument around the recorded one, with the recorded derivative, so that the student's own
``tf.GradientTape`` finds the reference's gradient through it.  A call with other
arguments raises ``kit.NotRecorded`` (``kit`` is the engine's standins module: same,
constant, tf, NotRecorded), and the check then runs the student's own functions, once they
pass their own public checks.

This assignment's typical mistakes are named by grading.py's judge assertions, so this
module has no ``MISTAKES``.  Self-contained (NumPy only): ``release`` copies it into the
public checks the student's notebook carries (as ``typical_mistakes.py``).
"""


def _sigmoid_standin(calls: list, ns: dict, kit):
    def sigmoid(z):
        """The recorded σ(z), linear in z around the recorded logits with slope σ(1 - σ)."""
        tf = kit.tf()
        for call in calls:
            if kit.same(z, call["z"]):
                change = tf.cast(z, tf.float32) - kit.constant(call["z"])
                return kit.constant(call["value"]) + kit.constant(call["slope"]) * change
        raise kit.NotRecorded("sigmoid was called with logits that were not recorded")

    return sigmoid


def _bce_loss_standin(calls: list, ns: dict, kit):
    def bce_loss(targets, probabilities):
        """The recorded loss, linear in the probabilities around the recorded ones (targets
        first: cross-entropy is not symmetric, so swapped arguments are not recorded)."""
        tf = kit.tf()
        for call in calls:
            if kit.same(targets, call["targets"]) and kit.same(
                probabilities, call["probabilities"]
            ):
                change = tf.cast(probabilities, tf.float32) - kit.constant(call["probabilities"])
                return kit.constant(call["loss"]) + tf.reduce_sum(
                    kit.constant(call["gradient"]) * change
                )
        raise kit.NotRecorded("bce_loss was called with arguments that were not recorded")

    return bce_loss


#: name -> maker(calls, ns, kit) of the stand-in for that function.
STANDINS = {"sigmoid": _sigmoid_standin, "bce_loss": _bce_loss_standin}
