-- What a send carried, by name (JSON of sends::Content: article titles and
-- covers, material names, a text's first lines, the picked video's title),
-- worked out when "Send" was checked. NULL for sends made before it was kept:
-- their summary says what there is.
ALTER TABLE sends ADD COLUMN content TEXT;
