-- National code tables (quality/codes.go): the register's sex, ethnicity and
-- marital status elements name their standards instead of listing the codes,
-- so that validation names the standard and pages show 回族(03), not 03.
-- An element an operator has given another rule keeps it.
UPDATE data_elements SET rule = 'code:GB/T 2261.1' WHERE code = 'XBDM' AND rule = 'enum:0,1,2,9';
UPDATE data_elements SET rule = 'code:GB/T 3304' WHERE code = 'MZDM' AND rule = 'enum:01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,97,98';
UPDATE data_elements SET rule = 'code:GB/T 2261.2' WHERE code = 'HYZKDM' AND rule = 'enum:10,20,21,22,23,30,40,90';
