@echo -off
# gptrim from the UEFI shell: find gptrim.efi on whichever file system holds
# it, run it with the options below, report its status, power off.
# Change the options on the gptrim.efi line (see gptrim.efi --help).
for %i in 0 1 2 3 4 5 6 7 8 9
  if exist fs%i:\gptrim.efi then
    fs%i:
    echo gptrim: running fs%i:\gptrim.efi
    fs%i:\gptrim.efi --apply --then exit
    echo gptrim-exit %lasterror%
    reset -s
  endif
endfor
echo gptrim: gptrim.efi not found on fs0: to fs9:
echo gptrim-exit notfound
reset -s
