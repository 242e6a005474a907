(* Loaded by run.sh into the Frama-C runs that use WP (-load-script).
   WP waits for its provers in Frama-C's idle loop, Task.on_idle, whose
   default sleeps 50 ms between two looks at the running provers
   (src/libraries/utils/task.ml). A goal then costs at least one such
   sleep, even one whose answer is in WP's cache: on load-512, 46 s of
   its 82 s of WP with every answer cached. task.mli names on_idle as
   the hook a front end replaces (Frama-C's GUI does); this one looks
   every 2 ms. It changes when WP learns of an answer, not the answer. *)
let () =
  Task.on_idle :=
    fun step ->
      try while step () do Unix.sleepf 0.002 done
      with Db.Cancel -> ()
