# limits: check_seconds=5, load_seconds=6
# loses: training_step, final_accuracy
# message: did not finish within 6 s
# why: an endless loop at the top of a cell: that cell is skipped after the load time-out
# %% cell: training_step
while True:
    pass


def training_step(inputs, targets):
    return 0.0
