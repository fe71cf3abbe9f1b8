%% beam_record.erl: runs one Erlang program under the VM's own tracing and writes the recording
%% as schedlab's line-oriented BEAM recording (traces/IMPORT.md, "BEAM recordings").
%%
%% How it records. The program's entry function runs in a fresh root process that is traced
%% before it does anything (running, procs, send, 'receive', set_on_spawn, monotonic
%% timestamps, scheduler ids); the trace messages go to a dbg file trace port, written by the
%% VM itself, so tracing costs the traced program little. When the root has exited and every
%% process it left has exited too (or --timeout has passed: then tracing stops first and the
%% survivors are killed untraced, so the recording shows them never exiting), the binary trace
%% is read back with dbg:trace_client and converted to text, after the measured run:
%% timestamps become ns from the start of the run, pids small integers (the root is 1), and
%% every 'receive' is matched to the send that delivered it (same receiver and same term,
%% earliest first), so the importer needs no term decoding. scheduler_wall_time is sampled around the
%% run for the VM's own per-scheduler utilisation, and microstate accounting is on during the run
%% ("msacc S EMULATOR PORT AUX CHECK_IO GC OTHER SLEEP", ns): where each scheduler's time went,
%% its time asleep and its time awake outside any process (ports, aux work, I/O polls) included.
%%
%% Untraced mode (--untraced) runs the same entry function with no tracing and prints the wall
%% time only: the baseline of the tracing overhead.
%%
%% Run queues. In both modes a sampler process (high priority, not traced: the recorder spawns
%% it, not the root) reads erlang:statistics(run_queue_lengths) about every millisecond (the timer's
%% resolution) while the program runs; a traced run writes the samples as "rq T L1 .. LN"
%% lines (the normal schedulers' queues; the dirty queues that follow in the list are left
%% out).
-module(beam_record).
-export([main/1]).

-define(FLAGS, [running, procs, set_on_spawn, send, 'receive', monotonic_timestamp,
                scheduler_id]).

%% main([ModPath, Out, Entry, TimeoutMs, Mode | Args]) -> halts the VM (0 ok, 1 error).
main([ModPath, Out, Entry, TimeoutMs, Mode | Args]) ->
    try run(ModPath, Out, list_to_atom(Entry), list_to_integer(TimeoutMs), Mode, Args) of
        ok -> halt(0)
    catch
        throw:{error, Msg} ->
            io:format(standard_error, "beam record: ~s~n", [Msg]),
            halt(1)
    end.

run(ModPath, Out, Entry, TimeoutMs, Mode, Args) ->
    Mod = load(ModPath, Entry),
    erlang:system_flag(scheduler_wall_time, true),
    case Mode of
        "untraced" -> untraced(Mod, Entry, Args, TimeoutMs);
        "traced" -> traced(Mod, Entry, Args, TimeoutMs, Out)
    end.

%% Compile and load the program; its module must export Entry/1.
load(Path, Entry) ->
    case compile:file(Path, [binary, return_errors]) of
        {ok, Mod, Bin} ->
            {module, Mod} = code:load_binary(Mod, Path, Bin),
            case erlang:function_exported(Mod, Entry, 1) of
                true -> Mod;
                false -> throw({error, io_lib:format("~s: module ~s does not export ~s/1",
                                                     [Path, Mod, Entry])})
            end;
        {error, Errs, _} ->
            throw({error, io_lib:format("~s: does not compile: ~p", [Path, Errs])})
    end.

%% The root process, already blocked waiting for go, after which it runs the entry function
%% (so its first traced slice is the program's own start).
root(Mod, Entry, Args) ->
    Root = spawn(fun() -> receive go -> Mod:Entry(Args) end end),
    wait_blocked(Root),
    Root.

wait_blocked(P) ->
    case erlang:process_info(P, status) of
        {status, waiting} -> ok;
        _ -> erlang:yield(), wait_blocked(P)
    end.

untraced(Mod, Entry, Args, TimeoutMs) ->
    Sampler = sampler(),   % before Before: not one of the program's processes
    Before = erlang:processes(),
    T0 = erlang:monotonic_time(nanosecond),
    Root = root(Mod, Entry, Args),
    Ref = monitor(process, Root),
    Root ! go,
    wait_root(Ref, TimeoutMs),
    Left = wait_rest(Before, Root, TimeoutMs),
    T1 = erlang:monotonic_time(nanosecond),
    _ = samples(Sampler),
    [exit(P, kill) || P <- Left],
    io:format("untraced_wall_ns ~b~n", [T1 - T0]),
    left_error(Left, TimeoutMs).

traced(Mod, Entry, Args, TimeoutMs, Out) ->
    Bin = Out ++ ".trc",
    Sampler = sampler(),
    Before = erlang:processes(),
    Port = (dbg:trace_port(file, Bin))(),
    Root = root(Mod, Entry, Args),
    erlang:trace(Root, true, [{tracer, Port} | ?FLAGS]),
    Ref = monitor(process, Root),
    W0 = lists:sort(erlang:statistics(scheduler_wall_time)),
    erlang:system_flag(microstate_accounting, reset),
    erlang:system_flag(microstate_accounting, true),
    T0 = erlang:monotonic_time(nanosecond),
    Root ! go,
    wait_root(Ref, TimeoutMs),
    Left = wait_rest(Before, Root, TimeoutMs),
    T1 = erlang:monotonic_time(nanosecond),
    erlang:system_flag(microstate_accounting, false),
    W1 = lists:sort(erlang:statistics(scheduler_wall_time)),
    Ms = msacc(erlang:statistics(microstate_accounting)),
    erlang:trace(all, false, [all]),
    Rq = samples(Sampler),
    [exit(P, kill) || P <- Left],
    erlang:port_close(Port),
    convert(Bin, Out, T0, T1, util(W0, W1), Rq, Ms),
    file:delete(Bin),
    io:format("traced_wall_ns ~b~n", [T1 - T0]),
    left_error(Left, TimeoutMs).

left_error([], _) -> ok;
left_error(Left, TimeoutMs) ->
    throw({error, io_lib:format("~b process(es) still running ~b ms after the entry function "
                                "returned (~p): the recording shows them never exiting",
                                [length(Left), TimeoutMs, Left])}).

wait_root(Ref, TimeoutMs) ->
    receive {'DOWN', Ref, process, _, _} -> ok
    after TimeoutMs -> throw({error, io_lib:format("the entry function did not return within "
                                                   "~b ms", [TimeoutMs])})
    end.

%% Wait until every process made since Before (the program's) has exited; those left after
%% TimeoutMs are returned.
wait_rest(Before, Root, TimeoutMs) ->
    Deadline = erlang:monotonic_time(millisecond) + TimeoutMs,
    wait_rest_until(Before, Root, Deadline).

wait_rest_until(Before, Root, Deadline) ->
    Left = (erlang:processes() -- Before) -- [Root, self()],
    Alive = [P || P <- Left, erlang:is_process_alive(P)],
    case Alive =:= [] orelse erlang:monotonic_time(millisecond) >= Deadline of
        true -> Alive;
        false -> receive after 1 -> wait_rest_until(Before, Root, Deadline) end
    end.

%% The run queue sampler: {Time, Lengths} about every millisecond until asked for its samples.
sampler() ->
    N = erlang:system_info(schedulers),
    %% High priority: runs before the program's (normal) processes when its timer fires, or
    %% behind hundreds of ready ones it would sample a few times a run.
    spawn_opt(fun() -> sample(N, []) end, [link, {priority, high}]).

sample(N, Acc) ->
    receive
        {samples, From} -> From ! {samples, self(), lists:reverse(Acc)}
    after 1 ->
        L = lists:sublist(erlang:statistics(run_queue_lengths), N),
        sample(N, [{erlang:monotonic_time(nanosecond), L} | Acc])
    end.

samples(Sampler) ->
    Sampler ! {samples, self()},
    receive {samples, Sampler, S} -> S end.

%% Per scheduler (normal schedulers only): {Id, ActiveNs, TotalNs} over the run.
util(W0, W1) ->
    N = erlang:system_info(schedulers),
    Unit = erlang:convert_time_unit(1, second, native),
    Ns = fun(X) -> X * 1000000000 div Unit end,
    [{Id, Ns(A1 - A0), Ns(T1 - T0)}
     || {{Id, A0, T0}, {Id, A1, T1}} <- lists:zip(W0, W1), Id =< N].

%% Microstate accounting of the normal schedulers over the run: {Id, [Ns]} in ?MSACC order
%% (what a scheduler thread did with its time, processes or not; the sleep among them).
-define(MSACC, [emulator, port, aux, check_io, gc, other, sleep]).

msacc(Threads) ->
    N = erlang:system_info(schedulers),
    Ns = fun(C, K) -> erlang:convert_time_unit(maps:get(K, C, 0), perf_counter, nanosecond) end,
    lists:sort([{Id, [Ns(C, K) || K <- ?MSACC]}
                || #{type := scheduler, id := Id, counters := C} <- Threads, Id =< N]).

%% ---- conversion to text (after the run) -------------------------------------------------

convert(Bin, Out, T0, T1, Util, Rq, Ms) ->
    Self = self(),
    Fun = fun(end_of_trace, Acc) -> Self ! {events, lists:reverse(Acc)}, Acc;
             (M, Acc) -> [M | Acc] end,
    dbg:trace_client(file, Bin, {Fun, []}),
    Evs = receive {events, E} -> E after 60000 -> throw({error, "trace file unreadable"}) end,
    %% Setting the trace flags schedules the (waiting) root in and out once before go: drop
    %% what happened before the run started.
    Sorted = lists:keysort(1, [E || {T, _} = E <- [ev(M, T0) || M <- Evs], T >= 0]),
    {ok, F} = file:open(Out, [write, raw, delayed_write]),
    Head = io_lib:format("schedlab-beam 1~nschedulers ~b~notp ~s~nbind ~s~nwall_ns ~b~n",
                         [erlang:system_info(schedulers), erlang:system_info(otp_release),
                          erlang:system_info(scheduler_bind_type), T1 - T0]),
    ok = file:write(F, Head),
    [ok = file:write(F, io_lib:format("util ~b ~b ~b~n", [I, A, T])) || {I, A, T} <- Util],
    [ok = file:write(F, io_lib:format("msacc ~b~s~n", [I, [[$\s | integer_to_list(X)] || X <- V]]))
     || {I, V} <- Ms],
    [ok = file:write(F, io_lib:format("rq ~b~s~n", [T - T0,
                                                   [[$\s | integer_to_list(X)] || X <- L]]))
     || {T, L} <- Rq, T >= T0, T =< T1],
    {Lines, N} = lines(Sorted),
    ok = file:write(F, Lines),
    ok = file:write(F, io_lib:format("end ~b~n", [N])),
    ok = file:close(F).

%% {TimeNs, Seq-free event}: the trace message with its time made relative to T0 (ns).
ev(M, T0) ->
    Unit = erlang:convert_time_unit(1, second, native),
    Ts = element(tuple_size(M), M),
    {(Ts - T0) * 1000000000 div Unit, M}.

%% The text lines and their count. Pass one matches every 'receive' to the send that delivered
%% it (see match/2); pass two numbers the pids in order of appearance and writes the lines.
lines(Sorted) ->
    Indexed = lists:zip(lists:seq(1, length(Sorted)), Sorted),
    {_, Match} = lists:foldl(fun match/2, {#{}, #{}}, Indexed),
    {_, Acc, N} = lists:foldl(fun(E, St) -> line(E, Match, St) end, {#{}, [], 0}, Indexed),
    {lists:reverse(Acc), N}.

%% A receive of Term by Pid takes the earliest unmatched send of Term to Pid, else the earliest
%% of Term to a non-pid destination (an alias, as gen_server:call replies, or a registered
%% name). Match maps the send's index to {Receiver, Id} and the receive's index to Id, where Id
%% is the send's index.
match({I, {_, M}}, {Open, Match}) ->
    case element(3, M) of
        send ->
            To = element(5, M),
            Key = {case is_pid(To) of true -> To; false -> other end, element(4, M)},
            {Open#{Key => queue:in(I, maps:get(Key, Open, queue:new()))}, Match};
        'receive' ->
            Pid = element(2, M), Term = element(4, M),
            case take({Pid, Term}, Open) of
                {S, Open1} -> {Open1, Match#{S => {Pid, S}, I => S}};
                none ->
                    case take({other, Term}, Open) of
                        {S, Open1} -> {Open1, Match#{S => {Pid, S}, I => S}};
                        none -> {Open, Match}
                    end
            end;
        _ -> {Open, Match}
    end.

take(Key, Open) ->
    case queue:out(maps:get(Key, Open, queue:new())) of
        {{value, S}, Q} -> {S, Open#{Key => Q}};
        {empty, _} -> none
    end.

line({I, {T, M}}, Match, {Pids, Acc, N}) ->
    Tag = element(3, M),
    S = element(tuple_size(M) - 1, M),
    {P, Pids1} = pid(element(2, M), Pids),
    case Tag of
        spawn -> {C, Pids2} = pid(element(4, M), Pids1),
                 out(Pids2, Acc, N, "spawn ~b ~b ~b ~b~n", [T, S, P, C]);
        in -> out(Pids1, Acc, N, "in ~b ~b ~b~n", [T, S, P]);
        out -> out(Pids1, Acc, N, "out ~b ~b ~b~n", [T, S, P]);
        exit -> out(Pids1, Acc, N, "exit ~b ~b ~b~n", [T, S, P]);
        send ->
            case maps:find(I, Match) of
                {ok, {To, Id}} -> {R, Pids2} = pid(To, Pids1),
                                  out(Pids2, Acc, N, "send ~b ~b ~b ~b ~b~n", [T, S, P, R, Id]);
                error -> out(Pids1, Acc, N, "send ~b ~b ~b 0 0~n", [T, S, P])
            end;
        'receive' ->
            out(Pids1, Acc, N, "recv ~b ~b ~b ~b~n", [T, S, P, maps:get(I, Match, 0)]);
        send_to_non_existing_process -> out(Pids1, Acc, N, "send ~b ~b ~b 0 0~n", [T, S, P]);
        _ -> {Pids1, Acc, N}   % spawned, link, getting_linked, ...: not needed
    end.

out(Pids, Acc, N, Fmt, Args) ->
    {Pids, [io_lib:format(Fmt, Args) | Acc], N + 1}.

%% The small integer of a pid (1, 2, ... in order of appearance); a non-pid is 0.
pid(X, Pids) when is_pid(X) ->
    case maps:find(X, Pids) of
        {ok, I} -> {I, Pids};
        error -> I = maps:size(Pids) + 1, {I, Pids#{X => I}}
    end;
pid(_, Pids) -> {0, Pids}.
