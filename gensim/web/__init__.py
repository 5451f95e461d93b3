"""The task library browser: read-only HTML pages over the task DB, served by `gensim ui`.

`html` escapes and lays out, `library` reads the DB into cards and pages (through
`gensim.db.browse` and the repository), `svg` draws lineage graphs, maps and funnels,
`media` renders pictures once per task version in the sandbox and caches them under the home,
`app` holds the Starlette routes and `server` runs them on a thread. Nothing here runs task code.
"""
