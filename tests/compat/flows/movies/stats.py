"""What Metaflow's tutorial 02 (MovieStatsFlow) exercises: an IncludeFile read at the run's start, a
foreach over a list, a join that folds the inputs into one dictionary."""

from metaflow import FlowSpec, IncludeFile, step


class MovieStatsFlow(FlowSpec):
    movie_data = IncludeFile("movie_data", help="The movies, as CSV.", default="movies.csv")

    @step
    def start(self):
        import csv

        columns = ["movie_title", "title_year", "genres", "gross"]
        self.dataframe = {col: [] for col in columns}
        for row in csv.DictReader(self.movie_data.splitlines()):
            for col in columns:
                self.dataframe[col].append(int(row[col]) if col in ("title_year", "gross") else row[col])
        self.genres = sorted({g for gs in self.dataframe["genres"] for g in gs.split("|")})
        self.next(self.compute_statistics, foreach="genres")

    @step
    def compute_statistics(self):
        self.genre = self.input
        keep = [self.genre in gs for gs in self.dataframe["genres"]]
        for col in list(self.dataframe):
            self.dataframe[col] = [v for v, k in zip(self.dataframe[col], keep) if k]
        order = sorted(range(len(self.dataframe["gross"])), key=self.dataframe["gross"].__getitem__)
        for col in list(self.dataframe):
            self.dataframe[col] = [self.dataframe[col][i] for i in order]
        del self.dataframe["title_year"]
        n = len(self.dataframe["movie_title"])
        self.quartiles = [self.dataframe["gross"][0 if n < 2 else round(n * cut) - 1] for cut in (0.25, 0.5, 0.75)]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.genre_stats = {
            inp.genre.lower(): {"quartiles": inp.quartiles, "dataframe": inp.dataframe} for inp in inputs
        }
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    MovieStatsFlow()
