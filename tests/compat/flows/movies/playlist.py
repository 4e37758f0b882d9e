# measure-before: stats.py
"""What Metaflow's tutorial 03 (PlayListFlow) exercises: a step that reads an earlier run of another
flow with the client (`Flow(...).latest_successful_run`, `run.data`, `get_metadata()`), parameters,
a static branch and its join."""

from metaflow import FlowSpec, Parameter, step


class PlayListFlow(FlowSpec):
    genre = Parameter("genre", help="Filter movies for a particular genre.", default="Sci-Fi")
    recommendations = Parameter("recommendations", help="How many movies to recommend.", default=2)

    @step
    def start(self):
        from metaflow import Flow, get_metadata

        print("Using metadata provider: %s" % get_metadata())
        run = Flow("MovieStatsFlow").latest_successful_run
        print("Using analysis from '%s'" % str(run))
        self.stats_run = run.pathspec
        self.genre_stats = run.data.genre_stats
        self.next(self.bonus_movie, self.genre_movies)

    @step
    def bonus_movie(self):
        titles = []
        for genre, data in sorted(self.genre_stats.items()):
            if genre != self.genre.lower():
                frame = data["dataframe"]
                titles += [t for t, g in zip(frame["movie_title"], frame["genres"]) if self.genre not in g]
        self.bonus = sorted(set(titles))[0]
        self.next(self.join)

    @step
    def genre_movies(self):
        stats = self.genre_stats.get(self.genre.lower())
        if stats is None:
            self.movies = []
        else:
            frame, top = stats["dataframe"], stats["quartiles"][-1]
            self.movies = [t for t, g in zip(frame["movie_title"], frame["gross"]) if g >= top]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.playlist = inputs.genre_movies.movies
        self.bonus = inputs.bonus_movie.bonus
        self.next(self.end)

    @step
    def end(self):
        print("Playlist for movies in genre '%s'" % self.genre)
        for pick, movie in enumerate(self.playlist, start=1):
            print("Pick %d: '%s'" % (pick, movie))
            if pick >= self.recommendations:
                break
        print("Bonus Pick: '%s'" % self.bonus)


if __name__ == "__main__":
    PlayListFlow()
