-- Administration is transitive (docs/security.md, "Four eyes"): whoever administers an
-- administrator held its key, and so holds what it holds. Links recorded before that rule hold
-- only the direct ones, in either list; they are closed here, once, from both lists. Links
-- recorded since are closed as they are written (recordAdministration).
WITH RECURSIVE edge(administrator, subject) AS (
    SELECT a, u.id FROM app_user u, unnest(u.administered_by) AS a
  UNION
    SELECT u.id, s FROM app_user u, unnest(u.administers) AS s
), closure(administrator, subject) AS (
    SELECT administrator, subject FROM edge
  UNION
    SELECT e.administrator, c.subject FROM closure c JOIN edge e ON e.subject = c.administrator
), above AS (
  SELECT subject AS id, array_agg(DISTINCT administrator) AS ids FROM closure WHERE administrator <> subject GROUP BY subject
), below AS (
  SELECT administrator AS id, array_agg(DISTINCT subject) AS ids FROM closure WHERE administrator <> subject GROUP BY administrator
)
UPDATE app_user u
   SET administered_by = COALESCE((SELECT ids FROM above WHERE above.id = u.id), '{}'),
       administers = COALESCE((SELECT ids FROM below WHERE below.id = u.id), '{}')
 WHERE u.id IN (SELECT id FROM above UNION SELECT id FROM below);
