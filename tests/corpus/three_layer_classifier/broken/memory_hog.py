# loses: training_step, final_accuracy
# message: MemoryError
# message: memory limit
# why: allocates 6 GB inside the function, far over the 2048 MB limit
# %% cell: training_step
def training_step(inputs, targets):
    big = np.ones((6 * 1024**3 // 8,))
    return float(big[0])
