"""What Metaflow's large_artifact test exercises: a 20 MB artifact passed on and read back."""

import hashlib

from metaflow import FlowSpec, step


class LargeArtifactFlow(FlowSpec):
    @step
    def start(self):
        self.blob = bytes(range(256)) * (20 * 1024 * 4)
        self.digest = hashlib.sha256(self.blob).hexdigest()
        self.next(self.end)

    @step
    def end(self):
        self.same = hashlib.sha256(self.blob).hexdigest() == self.digest
        self.size = len(self.blob)
        del self.blob


if __name__ == "__main__":
    LargeArtifactFlow()
