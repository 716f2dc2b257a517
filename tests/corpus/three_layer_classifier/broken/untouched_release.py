# base: release
# score: 0
# loses: all
# message: not implemented yet
# why: the student notebook handed in as released: every function still raises NotImplementedError
