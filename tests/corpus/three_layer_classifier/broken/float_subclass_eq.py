# loses: my_accuracy
# message: my_accuracy
# why: returns a float subclass whose == is always True; the judge compares plain numbers only
# %% cell: my_accuracy
class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__


def my_accuracy(inputs, targets):
    return AlwaysEqual(2.0)
